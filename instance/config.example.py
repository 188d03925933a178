# Copy to instance/config.py to override defaults on this machine (this folder is git-ignored).
# Every setting is documented in shop/config.py; the environment wins over this file.

# SHOP_NAME = "Northwind Supply"
# SHOP_BASE_URL = "https://shop.example.com"
# SQLALCHEMY_DATABASE_URI = "postgresql+psycopg://shop@127.0.0.1/shop"
# CXML_DTD_DIR = "/srv/cxml/dtd"
# SANDBOX_ENABLED = False

"""Flask extensions, instantiated here and bound to the app in ``create_app``.

Flask-Migrate is not among them: ``shop.schema_migrations`` binds it only when a migration runs.
"""

from flask_login import LoginManager
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from shop.database import Base

db = SQLAlchemy(model_class=Base)
login_manager = LoginManager()
csrf = CSRFProtect()

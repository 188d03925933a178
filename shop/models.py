"""Import every model so that SQLAlchemy's metadata (and Alembic) sees the whole schema."""

# Not a model: builds the full-text search index whenever the products table is created.
import shop.catalog.search_index  # noqa: F401
from shop.accounts.models import Address, AddressKind, Company, Role, User
from shop.cart.models import Cart, CartLine
from shop.catalog.models import Category, ContractPrice, Product
from shop.orders.models import Order, OrderEvent, OrderLine, OrderSource, OrderStatus

__all__ = [
    "Address", "AddressKind", "Cart", "CartLine", "Category", "Company", "ContractPrice",
    "Order", "OrderEvent", "OrderLine", "OrderSource", "OrderStatus", "Product", "Role", "User",
]

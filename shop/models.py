"""Import every model so that SQLAlchemy's metadata (and Alembic) sees the whole schema."""

# Not a model: builds the full-text search index whenever the products table is created.
import shop.catalog.search_index  # noqa: F401
from shop.accounts.models import Address, AddressKind, Company, Role, User
from shop.cart.models import Cart, CartLine
from shop.catalog.models import Category, ContractPrice, Product
from shop.orders.fulfilment_models import (
    Confirmation,
    Invoice,
    InvoiceLine,
    Shipment,
    ShipmentLine,
)
from shop.orders.inbound import InboundDocument
from shop.orders.models import Order, OrderEvent, OrderLine, OrderSource, OrderStatus
from shop.orders.outbox import DeliveryAttempt, OutboxMessage
from shop.orders.po_models import OrderFlag, OrderPolicy, PurchaseOrder, PurchaseOrderVersion
from shop.punchout.models import (
    BuyerConnection,
    ConnectionIdentity,
    MessageLog,
    PunchOutSession,
    StartToken,
    TransferredLine,
)
from shop.ratelimit.models import AuthFailureBucket, AuthLockout
from shop.sandbox.models import SandboxDocument, SandboxRequisition

__all__ = [
    "Address", "AddressKind", "AuthFailureBucket", "AuthLockout",
    "Cart", "CartLine", "Category", "Company", "ContractPrice",
    "Order", "OrderEvent", "OrderLine", "OrderSource", "OrderStatus", "Product", "Role", "User",
    "BuyerConnection", "ConnectionIdentity", "MessageLog", "PunchOutSession", "StartToken",
    "TransferredLine",
    "Confirmation", "DeliveryAttempt", "InboundDocument", "Invoice", "InvoiceLine", "OrderFlag",
    "OrderPolicy", "OutboxMessage", "PurchaseOrder", "PurchaseOrderVersion", "Shipment",
    "ShipmentLine", "SandboxDocument", "SandboxRequisition",
]

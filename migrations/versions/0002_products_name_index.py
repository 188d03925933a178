"""index products.name for the back office's name-prefix search

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 21:10:00.000000

"""
from alembic import op
import sqlalchemy as sa

import shop.database  # noqa: F401  (the shop's own column types appear in migrations)


# revision identifiers, used by Alembic.
revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('products', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_products_name'), ['name'], unique=False)


def downgrade():
    with op.batch_alter_table('products', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_products_name'))

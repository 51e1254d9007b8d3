"""supply: supplier codes, purchase order numbers and material lot numbers unique regardless of case

Revision ID: 0012
Revises: 0011
"""
from alembic import op
import sqlalchemy as sa

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

INDEXES = (('ux_supplier_code_ci', 'supplier', 'code'),
           ('ux_purchase_order_number_ci', 'purchase_order', 'number'),
           ('ux_material_lot_lot_number_ci', 'material_lot', 'lot_number'))


def upgrade() -> None:
    for name, table, column in INDEXES:
        op.create_index(name, table, [sa.text(f'lower({column})')], unique=True)


def downgrade() -> None:
    for name, table, _column in INDEXES:
        op.drop_index(name, table_name=table)

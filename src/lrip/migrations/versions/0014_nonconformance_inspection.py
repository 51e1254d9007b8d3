"""nonconformance and inspection: NCR, CAPA and FAI numbers unique regardless of case; one open hold per
unit and NCR

Revision ID: 0014
Revises: 0013
"""
from alembic import op
import sqlalchemy as sa

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

OPEN = sa.text("released_at IS NULL")


def upgrade() -> None:
    op.create_index('ux_ncr_number_ci', 'ncr', [sa.text('lower(number)')], unique=True)
    op.create_index('ux_capa_number_ci', 'capa', [sa.text('lower(number)')], unique=True)
    op.create_index('ux_first_article_number_ci', 'first_article', [sa.text('lower(number)')], unique=True)
    op.create_index('ux_hold_open_unit_ncr', 'hold', ['unit_id', 'ncr_id'], unique=True,
                    sqlite_where=OPEN, postgresql_where=OPEN)


def downgrade() -> None:
    op.drop_index('ux_hold_open_unit_ncr', table_name='hold')
    op.drop_index('ux_first_article_number_ci', table_name='first_article')
    op.drop_index('ux_capa_number_ci', table_name='capa')
    op.drop_index('ux_ncr_number_ci', table_name='ncr')

"""change and readiness: change request and redline numbers unique regardless of case

Revision ID: 0015
Revises: 0014
"""
from alembic import op
import sqlalchemy as sa

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ux_change_request_number_ci', 'change_request', [sa.text('lower(number)')], unique=True)
    op.create_index('ux_redline_number_ci', 'redline', [sa.text('lower(number)')], unique=True)


def downgrade() -> None:
    op.drop_index('ux_redline_number_ci', table_name='redline')
    op.drop_index('ux_change_request_number_ci', table_name='change_request')

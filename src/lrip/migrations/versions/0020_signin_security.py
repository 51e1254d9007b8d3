"""sign-in security: wrong passwords slow the next sign-in per account and source (failed_sign_in)
instead of counting on the account and locking it for everyone (user_account.failed_logins goes)

Revision ID: 0020
Revises: 0019
"""
from alembic import op
import sqlalchemy as sa

revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('failed_sign_in',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=120), nullable=False),
    sa.Column('source', sa.String(length=200), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('last_failed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('wait_until', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('username', 'source', name='uq_failed_sign_in')
    )
    op.drop_column('user_account', 'failed_logins')  # SQLite 3.35+ drops a column in place


def downgrade() -> None:
    op.add_column('user_account', sa.Column('failed_logins', sa.Integer(), server_default='0', nullable=False))
    op.drop_table('failed_sign_in')

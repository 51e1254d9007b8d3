"""program setup: a lot's results when it closed (its units by status, what the move to LRIP reviews of a
pilot lot), and proposed phase policy changes that apply when program and quality have signed them

Revision ID: 0017
Revises: 0016
"""
from collections import defaultdict

from alembic import op
import sqlalchemy as sa

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('lot', schema=None) as batch_op:
        batch_op.add_column(sa.Column('results', sa.JSON(), nullable=True))
    op.create_table('policy_change',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('program_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('phase', sa.String(length=10), nullable=False),
    sa.Column('rule', sa.String(length=40), nullable=False),
    sa.Column('value', sa.JSON(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('proposed_by_id', sa.Integer(), nullable=False),
    sa.Column('proposed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['program_id'], ['program.id'], ),
    sa.ForeignKeyConstraint(['proposed_by_id'], ['user_account.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('program_id', 'number')
    )
    with op.batch_alter_table('policy_change', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_policy_change_program_id'), ['program_id'], unique=False)
    # lots closed before: their results are their units by status now
    conn = op.get_bind()
    lot = sa.table('lot', sa.column('id', sa.Integer), sa.column('results', sa.JSON))
    results: dict[int, dict[str, int]] = defaultdict(dict)
    for lot_id, status, n in conn.execute(sa.text(
            "SELECT unit.lot_id, unit.status, count(*) FROM unit JOIN lot ON lot.id = unit.lot_id "
            "WHERE lot.status = 'closed' GROUP BY unit.lot_id, unit.status")):
        results[lot_id][status] = n
    for lot_id, counts in results.items():
        conn.execute(lot.update().where(lot.c.id == lot_id).values(results=counts))


def downgrade() -> None:
    with op.batch_alter_table('policy_change', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_policy_change_program_id'))
    op.drop_table('policy_change')
    op.drop_index('ux_lot_number_ci', table_name='lot')  # SQLite's batch copy would lose the expression index
    with op.batch_alter_table('lot', schema=None) as batch_op:
        batch_op.drop_column('results')
    op.create_index('ux_lot_number_ci', 'lot', [sa.text('lower(number)')], unique=True)

"""signed decisions: an NCR proposal's version and author (signatures bind to one version), a CAPA
action's creation time and a CAPA's same-day-closure waiver, proposed readiness target changes

Revision ID: 0018
Revises: 0017
"""
from alembic import op
import sqlalchemy as sa

revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def _number_index_again(table: str) -> None:
    """SQLite's batch mode copies the table without its expression indexes: put the one on
    lower(number) back (PostgreSQL alters in place and keeps it)."""
    if op.get_bind().dialect.name == 'sqlite':
        op.create_index(f'ux_{table}_number_ci', table, [sa.text('lower(number)')], unique=True)


def upgrade() -> None:
    with op.batch_alter_table('ncr') as batch:
        batch.add_column(sa.Column('proposal_version', sa.Integer(), nullable=False, server_default='0'))
        batch.add_column(sa.Column('proposed_by_id', sa.Integer(), nullable=True))
        batch.create_foreign_key('fk_ncr_proposed_by_id', 'user_account', ['proposed_by_id'], ['id'])
    _number_index_again('ncr')
    with op.batch_alter_table('capa') as batch:
        batch.add_column(sa.Column('same_day_waiver_id', sa.Integer(), nullable=True))
        batch.create_foreign_key('fk_capa_same_day_waiver_id', 'signature', ['same_day_waiver_id'], ['id'])
    _number_index_again('capa')
    op.add_column('capa_action', sa.Column('added_at', sa.DateTime(timezone=True), nullable=True))
    # actions added before this revision: the CAPA's opening is the earliest they can have existed
    op.execute('UPDATE capa_action SET added_at = (SELECT opened_at FROM capa WHERE capa.id = capa_action.capa_id)')
    with op.batch_alter_table('capa_action') as batch:
        batch.alter_column('added_at', existing_type=sa.DateTime(timezone=True), nullable=False)
    op.create_table(
        'readiness_target_change',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('program_id', sa.Integer(), sa.ForeignKey('program.id'), nullable=False),
        sa.Column('criterion', sa.String(40), nullable=False),
        sa.Column('name', sa.String(40), nullable=False),
        sa.Column('value', sa.Float(), nullable=False),
        sa.Column('previous', sa.Float(), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('proposed_by', sa.String(80), nullable=False),
        sa.Column('proposed_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('status', sa.String(12), nullable=False),
        sa.Column('applied_at', sa.DateTime(timezone=True), nullable=True))
    op.create_index('ix_readiness_target_change_program_id', 'readiness_target_change', ['program_id'])


def downgrade() -> None:
    op.drop_index('ix_readiness_target_change_program_id', table_name='readiness_target_change')
    op.drop_table('readiness_target_change')
    with op.batch_alter_table('capa_action') as batch:
        batch.drop_column('added_at')
    with op.batch_alter_table('capa') as batch:
        batch.drop_constraint('fk_capa_same_day_waiver_id', type_='foreignkey')
        batch.drop_column('same_day_waiver_id')
    _number_index_again('capa')
    with op.batch_alter_table('ncr') as batch:
        batch.drop_constraint('fk_ncr_proposed_by_id', type_='foreignkey')
        batch.drop_column('proposed_by_id')
        batch.drop_column('proposal_version')
    _number_index_again('ncr')

"""containment and SCAR: the contained units an MRB proposal and disposition decide; each lot's sampling
seed; the customer's approval rule of the phase policies; the defect-code catalogue as data (its first
codes); supplier corrective action requests; the installation's settings (its organization's name); the
specifications and special processes of BOM lines and operations (AS9102 Form 2; catalog's tables, added
here for the first article forms)

Revision ID: 0022
Revises: 0021
"""
import secrets
from datetime import datetime, timezone

from alembic import op
import sqlalchemy as sa

revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None

# The catalogue lrip kept in its code before quality could edit it: each database starts with it.
FIRST_CODES = (
    ("OOS-HIGH", "Measured above the upper limit"),
    ("OOS-LOW", "Measured below the lower limit"),
    ("TEST-FAIL", "Failed a pass/fail test or check"),
    ("DAMAGE", "Handling or assembly damage"),
    ("COSMETIC", "Cosmetic: scratch, finish, marking"),
    ("WRONG-PART", "Wrong part, revision or quantity"),
    ("MISSING", "Missing part, fastener or operation"),
    ("FOD", "Foreign object or contamination"),
    ("WORKMANSHIP", "Workmanship not to the instruction"),
    ("INCOMING", "Purchased material nonconforming at receipt"),
    ("DOCUMENT", "Record, label or traceability error"),
    ("OTHER", "Other (say what in the description)"),
)


def upgrade() -> None:
    # nullable columns (or NOT NULL with a default): SQLite adds them in place, no batch copy of the table
    op.add_column('ncr', sa.Column('proposed_units', sa.JSON(), nullable=True))
    op.add_column('ncr_disposition', sa.Column('units', sa.JSON(), nullable=True))

    # every lot draws its Z1.4 samples at random with a seed of its own: the lots there are get one now
    # (their stored samples, drawn by the old systematic rule, stay what their units were inspected by)
    op.add_column('lot', sa.Column('inspection_seed', sa.Integer(), nullable=True))
    conn = op.get_bind()
    lot = sa.table('lot', sa.column('id', sa.Integer), sa.column('inspection_seed', sa.Integer))
    for (lot_id,) in conn.execute(sa.select(lot.c.id)).all():
        conn.execute(lot.update().where(lot.c.id == lot_id).values(inspection_seed=secrets.randbelow(2**31 - 1) + 1))

    # the customer signs use-as-is and repair of major and critical NCRs in LRIP and FRP, as the new default
    op.add_column('phase_policy', sa.Column('customer_approval', sa.String(length=30), nullable=False,
                                            server_default='none'))
    op.execute("UPDATE phase_policy SET customer_approval = 'major_and_critical' WHERE phase IN ('lrip', 'frp')")

    defect_code = op.create_table(
        'defect_code',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(length=20), nullable=False),
        sa.Column('meaning', sa.String(length=200), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('added_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('added_by', sa.String(length=80), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('code'))
    op.create_index('ux_defect_code_code_ci', 'defect_code', [sa.text('lower(code)')], unique=True)
    now = datetime.now(timezone.utc)
    op.bulk_insert(defect_code, [{"code": code, "meaning": meaning, "active": True, "added_at": now,
                                  "added_by": "installation"} for code, meaning in FIRST_CODES])

    op.create_table(
        'scar',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('number', sa.String(length=20), nullable=False),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('supplier_id', sa.Integer(), nullable=False),
        sa.Column('ncr_id', sa.Integer(), nullable=False),
        sa.Column('request', sa.Text(), nullable=False),
        sa.Column('due_on', sa.Date(), nullable=False),
        sa.Column('round', sa.Integer(), nullable=False),
        sa.Column('raised_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('raised_by_id', sa.Integer(), nullable=False),
        sa.Column('response', sa.Text(), nullable=True),
        sa.Column('responded_on', sa.Date(), nullable=True),
        sa.Column('response_recorded_by_id', sa.Integer(), nullable=True),
        sa.Column('verification', sa.Text(), nullable=True),
        sa.Column('verified_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('verified_by_id', sa.Integer(), nullable=True),
        sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['supplier_id'], ['supplier.id']),
        sa.ForeignKeyConstraint(['ncr_id'], ['ncr.id']),
        sa.ForeignKeyConstraint(['raised_by_id'], ['user_account.id']),
        sa.ForeignKeyConstraint(['response_recorded_by_id'], ['user_account.id']),
        sa.ForeignKeyConstraint(['verified_by_id'], ['user_account.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('number'))
    op.create_index('ux_scar_number_ci', 'scar', [sa.text('lower(number)')], unique=True)
    op.create_index(op.f('ix_scar_supplier_id'), 'scar', ['supplier_id'], unique=False)
    op.create_index(op.f('ix_scar_ncr_id'), 'scar', ['ncr_id'], unique=False)

    for column in ('specification', 'special_process', 'process_specification'):
        op.add_column('bom_line', sa.Column(column, sa.String(length=120), nullable=True))
    for column in ('special_process', 'process_specification'):
        op.add_column('operation', sa.Column(column, sa.String(length=120), nullable=True))

    op.create_table(
        'installation_setting',
        sa.Column('key', sa.String(length=40), nullable=False),
        sa.Column('value', sa.String(length=200), nullable=False),
        sa.Column('set_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('set_by', sa.String(length=80), nullable=False),
        sa.PrimaryKeyConstraint('key'))


def _number_index_again(table: str, column: str) -> None:
    """SQLite's batch copy of a table drops its expression index on lower(...): put it back."""
    if op.get_bind().dialect.name == 'sqlite':
        op.create_index(f'ux_{table}_{column}_ci', table, [sa.text(f'lower({column})')], unique=True)


def downgrade() -> None:
    with op.batch_alter_table('operation') as batch:
        batch.drop_column('process_specification')
        batch.drop_column('special_process')
    with op.batch_alter_table('bom_line') as batch:
        batch.drop_column('process_specification')
        batch.drop_column('special_process')
        batch.drop_column('specification')
    op.drop_table('installation_setting')
    op.drop_index(op.f('ix_scar_ncr_id'), table_name='scar')
    op.drop_index(op.f('ix_scar_supplier_id'), table_name='scar')
    op.drop_index('ux_scar_number_ci', table_name='scar')
    op.drop_table('scar')
    op.drop_index('ux_defect_code_code_ci', table_name='defect_code')
    op.drop_table('defect_code')
    with op.batch_alter_table('phase_policy') as batch:
        batch.drop_column('customer_approval')
    with op.batch_alter_table('lot') as batch:
        batch.drop_column('inspection_seed')
    _number_index_again('lot', 'number')
    with op.batch_alter_table('ncr_disposition') as batch:
        batch.drop_column('units')
    with op.batch_alter_table('ncr') as batch:
        batch.drop_column('proposed_units')
    _number_index_again('ncr', 'number')

"""execution: a unit's position in its lot (backfilled in id order), serials unique regardless of case,
and the measurement files imported (so the same file is not imported twice by mistake)

Revision ID: 0013
Revises: 0012
"""
from alembic import op
import sqlalchemy as sa

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # NOT NULL with a default, so SQLite adds the column in place (rebuilding the unit table would
    # trip the foreign keys of every row that refers to a unit); then every unit gets its place
    op.add_column('unit', sa.Column('position', sa.Integer(), server_default='0', nullable=False))
    op.execute("UPDATE unit SET position = (SELECT count(*) FROM unit AS earlier "
               "WHERE earlier.lot_id = unit.lot_id AND earlier.id <= unit.id)")
    op.create_index('uq_unit_lot_position', 'unit', ['lot_id', 'position'], unique=True)
    op.create_index('ux_unit_serial_ci', 'unit', [sa.text('lower(serial)')], unique=True)

    op.create_table('measurement_import',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('file', sa.String(length=200), nullable=False),
    sa.Column('rows', sa.Integer(), nullable=False),
    sa.Column('imported_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('imported_by', sa.String(length=80), nullable=False),
    sa.Column('again_reason', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('measurement_import', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_measurement_import_sha256'), ['sha256'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('measurement_import', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_measurement_import_sha256'))
    op.drop_table('measurement_import')
    op.drop_index('ux_unit_serial_ci', table_name='unit')
    op.drop_index('uq_unit_lot_position', table_name='unit')
    op.drop_column('unit', 'position')

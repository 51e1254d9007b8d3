"""configuration and gauges: the part revision every material lot was received as (backfilled with its
part's released revision, else its newest), the NCR whose MRB use-as-is lets a lot in whatever its
revision, the part revisions a lot is pinned to by implemented changes, where a delta FAI's
effectivity reaches, and an index for a gauge's measurements over time (the gauge recall)

Revision ID: 0021
Revises: 0020
"""
from alembic import op
import sqlalchemy as sa

revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def _add_reference(table: str, column: str, target: str) -> None:
    """A nullable foreign-key column added in place: SQLite takes REFERENCES in ADD COLUMN, while batch
    mode would rebuild the table, which its foreign keys forbid once other tables' rows refer to it."""
    if op.get_bind().dialect.name == 'sqlite':
        op.execute(f'ALTER TABLE {table} ADD COLUMN {column} INTEGER REFERENCES {target} (id)')
    else:
        op.add_column(table, sa.Column(column, sa.Integer(), sa.ForeignKey(f'{target}.id'), nullable=True))


def upgrade() -> None:
    _add_reference('material_lot', 'part_revision_id', 'part_revision')
    op.add_column('material_lot', sa.Column('use_as_is_ncr', sa.String(length=40), nullable=True))
    op.execute("UPDATE material_lot SET part_revision_id = (SELECT r.id FROM part_revision r "
               "WHERE r.part_id = material_lot.part_id "
               "ORDER BY CASE WHEN r.status = 'released' THEN 0 ELSE 1 END, r.id DESC LIMIT 1)")
    op.add_column('lot', sa.Column('configuration', sa.JSON(), nullable=True))
    op.add_column('fai_requirement', sa.Column('effectivity', sa.String(length=12), nullable=True))
    _add_reference('fai_requirement', 'after_lot_id', 'lot')
    op.add_column('fai_requirement', sa.Column('from_serial', sa.String(length=60), nullable=True))
    op.create_index('ix_measurement_gauge_time', 'measurement', ['gauge', 'recorded_at'])


def downgrade() -> None:
    op.drop_index('ix_measurement_gauge_time', table_name='measurement')
    with op.batch_alter_table('fai_requirement') as batch:
        batch.drop_column('from_serial')
        batch.drop_column('after_lot_id')
        batch.drop_column('effectivity')
    op.drop_column('lot', 'configuration')
    op.drop_column('material_lot', 'use_as_is_ncr')
    with op.batch_alter_table('material_lot') as batch:  # SQLite rebuilds it: a foreign key uses the column
        batch.drop_column('part_revision_id')
    if op.get_bind().dialect.name == 'sqlite':  # the rebuild lost the expression index
        op.create_index('ux_material_lot_lot_number_ci', 'material_lot', [sa.text('lower(lot_number)')], unique=True)

"""catalog and program: identifiers unique regardless of case, the setup version, the FRP GO recorded on
the program, units counted on their lot, the FRP inspection sample on the lot

Revision ID: 0011
Revises: 0010
"""
from alembic import op
import sqlalchemy as sa

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

CASE_INSENSITIVE = (("ux_part_number_ci", "part", "number"), ("ux_document_number_ci", "document", "number"),
                    ("ux_work_center_code_ci", "work_center", "code"), ("ux_tool_code_ci", "tool", "code"),
                    ("ux_program_code_ci", "program", "code"), ("ux_lot_number_ci", "lot", "number"))


def upgrade() -> None:
    setup = op.create_table('setup_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.bulk_insert(setup, [{"id": 1, "version": 0}])
    with op.batch_alter_table('program', schema=None) as batch_op:
        batch_op.add_column(sa.Column('frp_go_assessment', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('frp_go_at', sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table('lot', schema=None) as batch_op:
        batch_op.add_column(sa.Column('units_created', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('inspection_sample', sa.JSON(), nullable=True))
    op.execute("UPDATE lot SET units_created = (SELECT count(*) FROM unit WHERE unit.lot_id = lot.id)")
    for name, table, column in CASE_INSENSITIVE:
        op.create_index(name, table, [sa.text(f"lower({column})")], unique=True)


def downgrade() -> None:
    for name, table, _column in reversed(CASE_INSENSITIVE):
        op.drop_index(name, table_name=table)
    with op.batch_alter_table('lot', schema=None) as batch_op:
        batch_op.drop_column('inspection_sample')
        batch_op.drop_column('units_created')
    with op.batch_alter_table('program', schema=None) as batch_op:
        batch_op.drop_column('frp_go_at')
        batch_op.drop_column('frp_go_assessment')
    op.drop_table('setup_version')

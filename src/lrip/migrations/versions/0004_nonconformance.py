"""nonconformance: NCRs, MRB dispositions and signatures, attachments, CAPA (8D); hold.ncr_id becomes a foreign key

Revision ID: 0004
Revises: 0003
"""
from alembic import op
import sqlalchemy as sa

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('capa',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=20), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('program_id', sa.Integer(), nullable=True),
    sa.Column('defect_code', sa.String(length=20), nullable=True),
    sa.Column('operation_id', sa.Integer(), nullable=True),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('opened_by_id', sa.Integer(), nullable=False),
    sa.Column('d1_team', sa.Text(), nullable=True),
    sa.Column('d2_problem', sa.Text(), nullable=True),
    sa.Column('d3_containment', sa.Text(), nullable=True),
    sa.Column('d4_root_cause', sa.Text(), nullable=True),
    sa.Column('d5_corrective_action', sa.Text(), nullable=True),
    sa.Column('d6_implementation', sa.Text(), nullable=True),
    sa.Column('d7_prevention', sa.Text(), nullable=True),
    sa.Column('d8_closure', sa.Text(), nullable=True),
    sa.Column('effectiveness_units', sa.Integer(), nullable=False),
    sa.Column('effectiveness_verified_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('effectiveness_note', sa.Text(), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['closed_by_id'], ['user_account.id'], ),
    sa.ForeignKeyConstraint(['opened_by_id'], ['user_account.id'], ),
    sa.ForeignKeyConstraint(['operation_id'], ['operation.id'], ),
    sa.ForeignKeyConstraint(['program_id'], ['program.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('number')
    )
    with op.batch_alter_table('capa', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_capa_program_id'), ['program_id'], unique=False)

    op.create_table('capa_action',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('capa_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('done_on', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['capa_id'], ['capa.id'], ),
    sa.ForeignKeyConstraint(['owner_id'], ['user_account.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('capa_action', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_capa_action_capa_id'), ['capa_id'], unique=False)

    op.create_table('ncr',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=40), nullable=False),
    sa.Column('status', sa.String(length=14), nullable=False),
    sa.Column('severity', sa.String(length=8), nullable=False),
    sa.Column('defect_code', sa.String(length=20), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('quantity', sa.Float(), nullable=False),
    sa.Column('program_id', sa.Integer(), nullable=True),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('lot_id', sa.Integer(), nullable=True),
    sa.Column('material_lot_id', sa.Integer(), nullable=True),
    sa.Column('supplier_id', sa.Integer(), nullable=True),
    sa.Column('operation_id', sa.Integer(), nullable=True),
    sa.Column('characteristic_id', sa.Integer(), nullable=True),
    sa.Column('measurement_id', sa.Integer(), nullable=True),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('opened_by_id', sa.Integer(), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_by_id', sa.Integer(), nullable=True),
    sa.Column('recurring', sa.Boolean(), nullable=False),
    sa.Column('capa_id', sa.Integer(), nullable=True),
    sa.Column('proposed_action', sa.String(length=20), nullable=True),
    sa.Column('proposed_quantity', sa.Float(), nullable=True),
    sa.Column('proposed_rework_to_id', sa.Integer(), nullable=True),
    sa.Column('proposed_reason', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['capa_id'], ['capa.id'], ),
    sa.ForeignKeyConstraint(['characteristic_id'], ['characteristic.id'], ),
    sa.ForeignKeyConstraint(['closed_by_id'], ['user_account.id'], ),
    sa.ForeignKeyConstraint(['lot_id'], ['lot.id'], ),
    sa.ForeignKeyConstraint(['material_lot_id'], ['material_lot.id'], ),
    sa.ForeignKeyConstraint(['measurement_id'], ['measurement.id'], ),
    sa.ForeignKeyConstraint(['opened_by_id'], ['user_account.id'], ),
    sa.ForeignKeyConstraint(['operation_id'], ['operation.id'], ),
    sa.ForeignKeyConstraint(['program_id'], ['program.id'], ),
    sa.ForeignKeyConstraint(['proposed_rework_to_id'], ['operation.id'], ),
    sa.ForeignKeyConstraint(['supplier_id'], ['supplier.id'], ),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('number')
    )
    with op.batch_alter_table('ncr', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ncr_capa_id'), ['capa_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ncr_defect_code'), ['defect_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_ncr_lot_id'), ['lot_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ncr_material_lot_id'), ['material_lot_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ncr_operation_id'), ['operation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ncr_program_id'), ['program_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ncr_supplier_id'), ['supplier_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ncr_unit_id'), ['unit_id'], unique=False)

    op.create_table('ncr_attachment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ncr_id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('added_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('added_by_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['added_by_id'], ['user_account.id'], ),
    sa.ForeignKeyConstraint(['ncr_id'], ['ncr.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('ncr_attachment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ncr_attachment_ncr_id'), ['ncr_id'], unique=False)

    op.create_table('ncr_disposition',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ncr_id', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=20), nullable=False),
    sa.Column('quantity', sa.Float(), nullable=False),
    sa.Column('rework_to_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user_account.id'], ),
    sa.ForeignKeyConstraint(['ncr_id'], ['ncr.id'], ),
    sa.ForeignKeyConstraint(['rework_to_id'], ['operation.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('ncr_disposition', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ncr_disposition_ncr_id'), ['ncr_id'], unique=False)

    with op.batch_alter_table('hold', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_hold_ncr_id'), ['ncr_id'], unique=False)
        batch_op.create_foreign_key('fk_hold_ncr_id', 'ncr', ['ncr_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('hold', schema=None) as batch_op:
        batch_op.drop_constraint('fk_hold_ncr_id', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_hold_ncr_id'))

    with op.batch_alter_table('ncr_disposition', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ncr_disposition_ncr_id'))

    op.drop_table('ncr_disposition')
    with op.batch_alter_table('ncr_attachment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ncr_attachment_ncr_id'))

    op.drop_table('ncr_attachment')
    with op.batch_alter_table('ncr', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ncr_unit_id'))
        batch_op.drop_index(batch_op.f('ix_ncr_supplier_id'))
        batch_op.drop_index(batch_op.f('ix_ncr_program_id'))
        batch_op.drop_index(batch_op.f('ix_ncr_operation_id'))
        batch_op.drop_index(batch_op.f('ix_ncr_material_lot_id'))
        batch_op.drop_index(batch_op.f('ix_ncr_lot_id'))
        batch_op.drop_index(batch_op.f('ix_ncr_defect_code'))
        batch_op.drop_index(batch_op.f('ix_ncr_capa_id'))

    op.drop_table('ncr')
    with op.batch_alter_table('capa_action', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_capa_action_capa_id'))

    op.drop_table('capa_action')
    with op.batch_alter_table('capa', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_capa_program_id'))

    op.drop_table('capa')

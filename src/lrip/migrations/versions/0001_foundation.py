"""foundation: catalog, routing, program, execution, supply, users, audit

Revision ID: 0001
Revises: 
Create Date: 2026-11-23 23:15:03.165021
"""
from alembic import op
import sqlalchemy as sa


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('audit_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=80), nullable=False),
    sa.Column('action', sa.String(length=80), nullable=False),
    sa.Column('record_type', sa.String(length=40), nullable=False),
    sa.Column('record_id', sa.String(length=120), nullable=False),
    sa.Column('before', sa.JSON(), nullable=True),
    sa.Column('after', sa.JSON(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('seq')
    )
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_event_record_id'), ['record_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_event_record_type'), ['record_type'], unique=False)

    op.create_table('audit_head',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('document',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=60), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('number')
    )
    op.create_table('part',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=60), nullable=False),
    sa.Column('description', sa.String(length=200), nullable=False),
    sa.Column('tracking', sa.String(length=10), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('number')
    )
    op.create_table('supplier',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('status', sa.String(length=14), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code')
    )
    op.create_table('tool',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('kind', sa.String(length=60), nullable=False),
    sa.Column('description', sa.String(length=200), nullable=False),
    sa.Column('category', sa.String(length=12), nullable=False),
    sa.Column('calibration_due', sa.Date(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code')
    )
    op.create_table('user_account',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=80), nullable=False),
    sa.Column('full_name', sa.String(length=200), nullable=False),
    sa.Column('roles', sa.JSON(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('username')
    )
    op.create_table('work_center',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('hours_per_day', sa.Float(), nullable=False),
    sa.Column('stations', sa.Integer(), nullable=False),
    sa.Column('efficiency', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code')
    )
    op.create_table('approved_source',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('part_id', sa.Integer(), nullable=False),
    sa.Column('supplier_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['part_id'], ['part.id'], ),
    sa.ForeignKeyConstraint(['supplier_id'], ['supplier.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('part_id', 'supplier_id')
    )
    op.create_table('document_revision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('revision', sa.String(length=10), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('released_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['document_id'], ['document.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('document_id', 'revision')
    )
    op.create_table('material_lot',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('lot_number', sa.String(length=60), nullable=False),
    sa.Column('part_id', sa.Integer(), nullable=False),
    sa.Column('supplier_id', sa.Integer(), nullable=True),
    sa.Column('quantity_received', sa.Float(), nullable=False),
    sa.Column('quantity_on_hand', sa.Float(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['part_id'], ['part.id'], ),
    sa.ForeignKeyConstraint(['supplier_id'], ['supplier.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('lot_number')
    )
    with op.batch_alter_table('material_lot', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_material_lot_part_id'), ['part_id'], unique=False)

    op.create_table('part_revision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('part_id', sa.Integer(), nullable=False),
    sa.Column('revision', sa.String(length=10), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.ForeignKeyConstraint(['part_id'], ['part.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('part_id', 'revision')
    )
    op.create_table('qualification',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('skill', sa.String(length=60), nullable=False),
    sa.Column('granted_on', sa.Date(), nullable=False),
    sa.Column('expires_on', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('user_id', 'skill')
    )
    op.create_table('bom_line',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('parent_revision_id', sa.Integer(), nullable=False),
    sa.Column('child_part_id', sa.Integer(), nullable=False),
    sa.Column('quantity', sa.Float(), nullable=False),
    sa.Column('operation_sequence', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['child_part_id'], ['part.id'], ),
    sa.ForeignKeyConstraint(['parent_revision_id'], ['part_revision.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('parent_revision_id', 'child_part_id')
    )
    with op.batch_alter_table('bom_line', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bom_line_parent_revision_id'), ['parent_revision_id'], unique=False)

    op.create_table('program',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('part_revision_id', sa.Integer(), nullable=False),
    sa.Column('planned_total', sa.Integer(), nullable=False),
    sa.Column('frp_target_rate', sa.Double(), nullable=False),
    sa.Column('phase', sa.String(length=10), nullable=False),
    sa.Column('lrip_quantity', sa.Integer(), nullable=True),
    sa.Column('lrip_quantity_rationale', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['part_revision_id'], ['part_revision.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code')
    )
    op.create_table('routing',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('part_revision_id', sa.Integer(), nullable=False),
    sa.Column('revision', sa.String(length=10), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['part_revision_id'], ['part_revision.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('part_revision_id', 'revision')
    )
    op.create_table('lot',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=40), nullable=False),
    sa.Column('program_id', sa.Integer(), nullable=False),
    sa.Column('phase', sa.String(length=10), nullable=False),
    sa.Column('planned_quantity', sa.Integer(), nullable=False),
    sa.Column('routing_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['program_id'], ['program.id'], ),
    sa.ForeignKeyConstraint(['routing_id'], ['routing.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('number')
    )
    with op.batch_alter_table('lot', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lot_program_id'), ['program_id'], unique=False)

    op.create_table('operation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('routing_id', sa.Integer(), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('work_center_id', sa.Integer(), nullable=False),
    sa.Column('standard_minutes', sa.Float(), nullable=False),
    sa.Column('document_revision_id', sa.Integer(), nullable=True),
    sa.Column('required_tool_kinds', sa.JSON(), nullable=False),
    sa.Column('required_skill', sa.String(length=60), nullable=True),
    sa.ForeignKeyConstraint(['document_revision_id'], ['document_revision.id'], ),
    sa.ForeignKeyConstraint(['routing_id'], ['routing.id'], ),
    sa.ForeignKeyConstraint(['work_center_id'], ['work_center.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('routing_id', 'sequence')
    )
    op.create_table('phase_policy',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('program_id', sa.Integer(), nullable=False),
    sa.Column('phase', sa.String(length=10), nullable=False),
    sa.Column('production_intent', sa.Boolean(), nullable=False),
    sa.Column('released_instruction', sa.Boolean(), nullable=False),
    sa.Column('production_tools', sa.Boolean(), nullable=False),
    sa.Column('current_calibration', sa.Boolean(), nullable=False),
    sa.Column('qualified_operator', sa.Boolean(), nullable=False),
    sa.Column('approved_material', sa.Boolean(), nullable=False),
    sa.Column('inspection', sa.String(length=30), nullable=False),
    sa.Column('first_article', sa.String(length=30), nullable=False),
    sa.Column('change_signatures', sa.JSON(), nullable=False),
    sa.Column('disposition_signatures', sa.JSON(), nullable=False),
    sa.Column('quantity_control', sa.String(length=30), nullable=False),
    sa.Column('open_lot_changes', sa.String(length=30), nullable=False),
    sa.ForeignKeyConstraint(['program_id'], ['program.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('program_id', 'phase')
    )
    op.create_table('characteristic',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('operation_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('nominal', sa.Float(), nullable=True),
    sa.Column('lsl', sa.Float(), nullable=True),
    sa.Column('usl', sa.Float(), nullable=True),
    sa.Column('units', sa.String(length=20), nullable=True),
    sa.Column('key', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['operation_id'], ['operation.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('operation_id', 'code')
    )
    with op.batch_alter_table('characteristic', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_characteristic_operation_id'), ['operation_id'], unique=False)

    op.create_table('ramp_plan_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('program_id', sa.Integer(), nullable=False),
    sa.Column('lot_id', sa.Integer(), nullable=True),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('phase', sa.String(length=10), nullable=False),
    sa.Column('planned_starts', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['lot_id'], ['lot.id'], ),
    sa.ForeignKeyConstraint(['program_id'], ['program.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('program_id', 'period_start', 'lot_id')
    )
    with op.batch_alter_table('ramp_plan_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ramp_plan_entry_program_id'), ['program_id'], unique=False)

    op.create_table('unit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('serial', sa.String(length=60), nullable=False),
    sa.Column('lot_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['lot_id'], ['lot.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('serial')
    )
    with op.batch_alter_table('unit', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_unit_lot_id'), ['lot_id'], unique=False)

    op.create_table('operation_record',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('operation_id', sa.Integer(), nullable=False),
    sa.Column('attempt', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('started_by_id', sa.Integer(), nullable=False),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('completed_by_id', sa.Integer(), nullable=True),
    sa.Column('document_revision_id', sa.Integer(), nullable=True),
    sa.Column('cycle_minutes', sa.Float(), nullable=True),
    sa.ForeignKeyConstraint(['completed_by_id'], ['user_account.id'], ),
    sa.ForeignKeyConstraint(['document_revision_id'], ['document_revision.id'], ),
    sa.ForeignKeyConstraint(['operation_id'], ['operation.id'], ),
    sa.ForeignKeyConstraint(['started_by_id'], ['user_account.id'], ),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('unit_id', 'operation_id', 'attempt')
    )
    with op.batch_alter_table('operation_record', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_operation_record_operation_id'), ['operation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_operation_record_unit_id'), ['unit_id'], unique=False)

    op.create_table('consumption',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('operation_record_id', sa.Integer(), nullable=False),
    sa.Column('material_lot_id', sa.Integer(), nullable=True),
    sa.Column('child_unit_id', sa.Integer(), nullable=True),
    sa.Column('quantity', sa.Float(), nullable=False),
    sa.Column('consumed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('consumed_by_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['child_unit_id'], ['unit.id'], ),
    sa.ForeignKeyConstraint(['consumed_by_id'], ['user_account.id'], ),
    sa.ForeignKeyConstraint(['material_lot_id'], ['material_lot.id'], ),
    sa.ForeignKeyConstraint(['operation_record_id'], ['operation_record.id'], ),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('consumption', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_consumption_child_unit_id'), ['child_unit_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_consumption_material_lot_id'), ['material_lot_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_consumption_operation_record_id'), ['operation_record_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_consumption_unit_id'), ['unit_id'], unique=False)

    op.create_table('measurement',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('characteristic_id', sa.Integer(), nullable=False),
    sa.Column('operation_record_id', sa.Integer(), nullable=False),
    sa.Column('value', sa.Float(), nullable=True),
    sa.Column('passed', sa.Boolean(), nullable=True),
    sa.Column('in_spec', sa.Boolean(), nullable=False),
    sa.Column('gauge', sa.String(length=60), nullable=True),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=10), nullable=False),
    sa.ForeignKeyConstraint(['characteristic_id'], ['characteristic.id'], ),
    sa.ForeignKeyConstraint(['operation_record_id'], ['operation_record.id'], ),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user_account.id'], ),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('measurement', schema=None) as batch_op:
        batch_op.create_index('ix_measurement_characteristic_time', ['characteristic_id', 'recorded_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_measurement_operation_record_id'), ['operation_record_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_measurement_unit_id'), ['unit_id'], unique=False)

    op.create_table('operation_tool',
    sa.Column('operation_record_id', sa.Integer(), nullable=False),
    sa.Column('tool_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['operation_record_id'], ['operation_record.id'], ),
    sa.ForeignKeyConstraint(['tool_id'], ['tool.id'], ),
    sa.PrimaryKeyConstraint('operation_record_id', 'tool_id')
    )
    with op.batch_alter_table('operation_tool', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_operation_tool_tool_id'), ['tool_id'], unique=False)

    op.create_table('hold',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('operation_record_id', sa.Integer(), nullable=True),
    sa.Column('measurement_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('opened_by_id', sa.Integer(), nullable=False),
    sa.Column('ncr_id', sa.Integer(), nullable=True),
    sa.Column('released_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('released_by_id', sa.Integer(), nullable=True),
    sa.Column('disposition', sa.String(length=20), nullable=True),
    sa.Column('disposition_note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['measurement_id'], ['measurement.id'], ),
    sa.ForeignKeyConstraint(['opened_by_id'], ['user_account.id'], ),
    sa.ForeignKeyConstraint(['operation_record_id'], ['operation_record.id'], ),
    sa.ForeignKeyConstraint(['released_by_id'], ['user_account.id'], ),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('hold', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_hold_unit_id'), ['unit_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('hold', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_hold_unit_id'))

    op.drop_table('hold')
    with op.batch_alter_table('operation_tool', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_operation_tool_tool_id'))

    op.drop_table('operation_tool')
    with op.batch_alter_table('measurement', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_measurement_unit_id'))
        batch_op.drop_index(batch_op.f('ix_measurement_operation_record_id'))
        batch_op.drop_index('ix_measurement_characteristic_time')

    op.drop_table('measurement')
    with op.batch_alter_table('consumption', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_consumption_unit_id'))
        batch_op.drop_index(batch_op.f('ix_consumption_operation_record_id'))
        batch_op.drop_index(batch_op.f('ix_consumption_material_lot_id'))
        batch_op.drop_index(batch_op.f('ix_consumption_child_unit_id'))

    op.drop_table('consumption')
    with op.batch_alter_table('operation_record', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_operation_record_unit_id'))
        batch_op.drop_index(batch_op.f('ix_operation_record_operation_id'))

    op.drop_table('operation_record')
    with op.batch_alter_table('unit', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_unit_lot_id'))

    op.drop_table('unit')
    with op.batch_alter_table('ramp_plan_entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ramp_plan_entry_program_id'))

    op.drop_table('ramp_plan_entry')
    with op.batch_alter_table('characteristic', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_characteristic_operation_id'))

    op.drop_table('characteristic')
    op.drop_table('phase_policy')
    op.drop_table('operation')
    with op.batch_alter_table('lot', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lot_program_id'))

    op.drop_table('lot')
    op.drop_table('routing')
    op.drop_table('program')
    with op.batch_alter_table('bom_line', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bom_line_parent_revision_id'))

    op.drop_table('bom_line')
    op.drop_table('qualification')
    op.drop_table('part_revision')
    with op.batch_alter_table('material_lot', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_material_lot_part_id'))

    op.drop_table('material_lot')
    op.drop_table('document_revision')
    op.drop_table('approved_source')
    op.drop_table('work_center')
    op.drop_table('user_account')
    op.drop_table('tool')
    op.drop_table('supplier')
    op.drop_table('part')
    op.drop_table('document')
    op.drop_table('audit_head')
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_event_record_type'))
        batch_op.drop_index(batch_op.f('ix_audit_event_record_id'))

    op.drop_table('audit_event')

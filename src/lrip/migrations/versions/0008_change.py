"""change: change requests, impact, approvals, redlines

Revision ID: 0008
Revises: 0006
"""
from alembic import op
import sqlalchemy as sa

revision = '0008'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('change_request',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=20), nullable=False),
    sa.Column('program_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('change_class', sa.String(length=5), nullable=False),
    sa.Column('urgency', sa.String(length=6), nullable=False),
    sa.Column('effectivity', sa.String(length=12), nullable=False),
    sa.Column('effectivity_serial', sa.String(length=60), nullable=True),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('attachments', sa.JSON(), nullable=False),
    sa.Column('raised_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('raised_by_id', sa.Integer(), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('approved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('implemented_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decision_note', sa.Text(), nullable=True),
    sa.Column('impact', sa.JSON(), nullable=True),
    sa.Column('implementation', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['program_id'], ['program.id'], ),
    sa.ForeignKeyConstraint(['raised_by_id'], ['user_account.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('number')
    )
    with op.batch_alter_table('change_request', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_change_request_program_id'), ['program_id'], unique=False)

    op.create_table('change_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('change_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=14), nullable=False),
    sa.Column('identifier', sa.String(length=120), nullable=False),
    sa.Column('from_revision', sa.String(length=10), nullable=True),
    sa.Column('to_revision', sa.String(length=10), nullable=True),
    sa.ForeignKeyConstraint(['change_id'], ['change_request.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('change_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_change_item_change_id'), ['change_id'], unique=False)

    op.create_table('redline',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=20), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('operation_id', sa.Integer(), nullable=False),
    sa.Column('document_revision_id', sa.Integer(), nullable=True),
    sa.Column('markup', sa.Text(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=False),
    sa.Column('change_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['change_id'], ['change_request.id'], ),
    sa.ForeignKeyConstraint(['document_revision_id'], ['document_revision.id'], ),
    sa.ForeignKeyConstraint(['operation_id'], ['operation.id'], ),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user_account.id'], ),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('number')
    )
    with op.batch_alter_table('redline', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_redline_change_id'), ['change_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_redline_unit_id'), ['unit_id'], unique=False)

    op.create_table('lrip_quantity_approval',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('program_id', sa.Integer(), nullable=False),
    sa.Column('previous', sa.Integer(), nullable=True),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('planned_total', sa.Integer(), nullable=False),
    sa.Column('above_ten_percent', sa.Boolean(), nullable=False),
    sa.Column('rationale', sa.Text(), nullable=True),
    sa.Column('approved_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('approved_by_id', sa.Integer(), nullable=False),
    sa.Column('signature_id', sa.Integer(), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['approved_by_id'], ['user_account.id'], ),
    sa.ForeignKeyConstraint(['program_id'], ['program.id'], ),
    sa.ForeignKeyConstraint(['signature_id'], ['signature.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('lrip_quantity_approval', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lrip_quantity_approval_program_id'), ['program_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('lrip_quantity_approval', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lrip_quantity_approval_program_id'))
    op.drop_table('lrip_quantity_approval')
    with op.batch_alter_table('redline', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_redline_unit_id'))
        batch_op.drop_index(batch_op.f('ix_redline_change_id'))
    op.drop_table('redline')
    with op.batch_alter_table('change_item', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_change_item_change_id'))
    op.drop_table('change_item')
    with op.batch_alter_table('change_request', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_change_request_program_id'))
    op.drop_table('change_request')

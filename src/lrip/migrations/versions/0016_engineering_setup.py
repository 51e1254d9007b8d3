"""engineering setup: each tool's calibration history (the newest sets its due date; 'as found: out'
kept), images attached to work instruction revisions, a characteristic's balloon, drawing zone and
gauge kind, a qualification's training record and its revocation

Revision ID: 0016
Revises: 0015
"""
from alembic import op
import sqlalchemy as sa

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('tool_calibration',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tool_id', sa.Integer(), nullable=False),
    sa.Column('calibrated_on', sa.Date(), nullable=False),
    sa.Column('due', sa.Date(), nullable=False),
    sa.Column('certificate', sa.String(length=60), nullable=False),
    sa.Column('as_found', sa.String(length=3), nullable=True),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('recorded_by', sa.String(length=80), nullable=False),
    sa.ForeignKeyConstraint(['tool_id'], ['tool.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_tool_calibration_tool_id'), 'tool_calibration', ['tool_id'], unique=False)
    op.create_table('document_image',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('document_revision_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('content_type', sa.String(length=40), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['document_revision_id'], ['document_revision.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('document_revision_id', 'name')
    )
    op.create_index(op.f('ix_document_image_document_revision_id'), 'document_image', ['document_revision_id'],
                    unique=False)
    with op.batch_alter_table('characteristic', schema=None) as batch_op:
        batch_op.add_column(sa.Column('balloon', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('drawing_zone', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('gauge_kind', sa.String(length=60), nullable=True))
    with op.batch_alter_table('qualification', schema=None) as batch_op:
        batch_op.add_column(sa.Column('training', sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column('revoked_on', sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('qualification', schema=None) as batch_op:
        batch_op.drop_column('revoked_on')
        batch_op.drop_column('training')
    with op.batch_alter_table('characteristic', schema=None) as batch_op:
        batch_op.drop_column('gauge_kind')
        batch_op.drop_column('drawing_zone')
        batch_op.drop_column('balloon')
    op.drop_index(op.f('ix_document_image_document_revision_id'), table_name='document_image')
    op.drop_table('document_image')
    op.drop_index(op.f('ix_tool_calibration_tool_id'), table_name='tool_calibration')
    op.drop_table('tool_calibration')

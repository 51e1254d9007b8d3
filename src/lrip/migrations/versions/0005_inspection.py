"""inspection: inspection plans, sampling state, first article inspection

Revision ID: 0005
Revises: 0004
"""
from alembic import op
import sqlalchemy as sa

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('inspection_plan',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('operation_id', sa.Integer(), nullable=False),
    sa.Column('classes', sa.JSON(), nullable=False),
    sa.Column('aql', sa.JSON(), nullable=False),
    sa.Column('level', sa.String(length=4), nullable=False),
    sa.Column('severity', sa.String(length=10), nullable=False),
    sa.Column('discontinued', sa.Boolean(), nullable=False),
    sa.Column('recent_normal', sa.JSON(), nullable=False),
    sa.Column('consecutive_accepted', sa.Integer(), nullable=False),
    sa.Column('tightened_not_accepted', sa.Integer(), nullable=False),
    sa.Column('reduced_approved_by', sa.String(length=80), nullable=True),
    sa.Column('reduced_approved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by', sa.String(length=80), nullable=False),
    sa.ForeignKeyConstraint(['operation_id'], ['operation.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('operation_id')
    )
    op.create_table('sampling_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=80), nullable=False),
    sa.Column('lot_id', sa.Integer(), nullable=True),
    sa.Column('lot_size', sa.Integer(), nullable=True),
    sa.Column('plans', sa.JSON(), nullable=True),
    sa.Column('defects', sa.JSON(), nullable=True),
    sa.Column('accepted', sa.Boolean(), nullable=True),
    sa.Column('resubmitted', sa.Boolean(), nullable=False),
    sa.Column('production_steady', sa.Boolean(), nullable=False),
    sa.Column('severity_before', sa.String(length=12), nullable=False),
    sa.Column('severity_after', sa.String(length=12), nullable=False),
    sa.Column('transition', sa.Text(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['lot_id'], ['lot.id'], ),
    sa.ForeignKeyConstraint(['plan_id'], ['inspection_plan.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('sampling_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sampling_event_plan_id'), ['plan_id'], unique=False)

    op.create_table('first_article',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=20), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('routing_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('characteristics', sa.JSON(), nullable=True),
    sa.Column('organization', sa.String(length=200), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=80), nullable=False),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('completed_by', sa.String(length=80), nullable=True),
    sa.Column('content', sa.JSON(), nullable=True),
    sa.Column('content_hash', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['routing_id'], ['routing.id'], ),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('number')
    )
    with op.batch_alter_table('first_article', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_first_article_routing_id'), ['routing_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_first_article_unit_id'), ['unit_id'], unique=False)

    op.create_table('fai_requirement',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('part_revision_id', sa.Integer(), nullable=False),
    sa.Column('characteristics', sa.JSON(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('raised_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('raised_by', sa.String(length=80), nullable=False),
    sa.Column('first_article_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['first_article_id'], ['first_article.id'], ),
    sa.ForeignKeyConstraint(['part_revision_id'], ['part_revision.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('fai_requirement', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_fai_requirement_part_revision_id'), ['part_revision_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('fai_requirement', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_fai_requirement_part_revision_id'))
    op.drop_table('fai_requirement')
    with op.batch_alter_table('first_article', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_first_article_unit_id'))
        batch_op.drop_index(batch_op.f('ix_first_article_routing_id'))
    op.drop_table('first_article')
    with op.batch_alter_table('sampling_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sampling_event_plan_id'))
    op.drop_table('sampling_event')
    op.drop_table('inspection_plan')

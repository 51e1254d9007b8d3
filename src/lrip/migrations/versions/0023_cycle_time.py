"""cycle time as labour time: an operation attempt's clock (who works it, working, paused or held, since
when, the minutes of its closed intervals) and its worked intervals. Attempts in work today are being
worked by whoever started them, since they started; completed ones keep the cycle time they have.

Revision ID: 0023
Revises: 0022
"""
from alembic import op
import sqlalchemy as sa

revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # a nullable foreign key added in place: batch mode would rebuild operation_record, which the
    # foreign keys of its measurements, consumptions and holds forbid once they exist
    if op.get_bind().dialect.name == 'sqlite':
        op.execute('ALTER TABLE operation_record ADD COLUMN worked_by_id INTEGER REFERENCES user_account (id)')
    else:
        op.add_column('operation_record', sa.Column('worked_by_id', sa.Integer(), sa.ForeignKey('user_account.id'),
                                                    nullable=True))
    op.add_column('operation_record', sa.Column('clock', sa.String(length=8), nullable=True))
    op.add_column('operation_record', sa.Column('clock_since', sa.DateTime(timezone=True), nullable=True))
    op.add_column('operation_record', sa.Column('worked_minutes', sa.Float(), server_default='0', nullable=False))
    op.execute("UPDATE operation_record SET clock = 'working', clock_since = started_at, "
               "worked_by_id = started_by_id WHERE status = 'in_work'")
    op.create_table(
        'work_interval',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('operation_record_id', sa.Integer(), nullable=False),
        sa.Column('worked_by_id', sa.Integer(), nullable=False),
        sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('ended_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('ended', sa.String(length=12), nullable=False),
        sa.Column('reason', sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(['operation_record_id'], ['operation_record.id'], ),
        sa.ForeignKeyConstraint(['worked_by_id'], ['user_account.id'], ),
        sa.PrimaryKeyConstraint('id'))
    op.create_index('ix_work_interval_operation_record_id', 'work_interval', ['operation_record_id'])


def downgrade() -> None:
    op.drop_index('ix_work_interval_operation_record_id', table_name='work_interval')
    op.drop_table('work_interval')
    with op.batch_alter_table('operation_record') as batch:  # SQLite rebuilds it: a foreign key uses a column
        batch.drop_column('worked_minutes')
        batch.drop_column('clock_since')
        batch.drop_column('clock')
        batch.drop_column('worked_by_id')

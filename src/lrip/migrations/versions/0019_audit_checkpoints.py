"""audit checkpoints: signed checkpoints of the chain, the state of audited records on each event,
the column sets those states were taken over, and an index of each record's last state (kept by a
trigger on audit_event); on PostgreSQL, checkpoints and column sets are append-only like the events.

The upgrade that applies this revision also puts every audited row that exists already into the
chain as one event (lrip.audit.after_upgrade, told so through the Alembic config's attributes).

Revision ID: 0019
Revises: 0018
"""
from alembic import context, op
import sqlalchemy as sa

revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None

APPEND_ONLY = {
    "audit_checkpoint": "audit checkpoints are append-only",
    "audit_columns": "audit column sets are append-only",
}

SQLITE_STATE_TRIGGER = """
CREATE TRIGGER audit_event_state AFTER INSERT ON audit_event
WHEN NEW.records IS NOT NULL AND json_type(NEW.records) = 'object'
BEGIN
    INSERT INTO audit_state (table_name, row_id, seq, colset, digest)
    SELECT t.key, CAST(r.key AS INTEGER), NEW.seq, json_extract(t.value, '$[0]'), r.value
    FROM json_each(NEW.records) AS t, json_each(t.value, '$[1]') AS r WHERE 1
    ON CONFLICT (table_name, row_id) DO UPDATE
        SET seq = excluded.seq, colset = excluded.colset, digest = excluded.digest;
END
"""

POSTGRES_STATE_FUNCTION = """
CREATE FUNCTION lrip_audit_state() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO audit_state (table_name, row_id, seq, colset, digest)
    SELECT t.key, r.key::integer, NEW.seq, t.value->>0, r.value #>> '{}'
    FROM json_each(NEW.records) AS t, json_each(t.value->1) AS r
    ON CONFLICT (table_name, row_id) DO UPDATE
        SET seq = EXCLUDED.seq, colset = EXCLUDED.colset, digest = EXCLUDED.digest;
    RETURN NULL;
END $$
"""


def upgrade() -> None:
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('records', sa.JSON(), nullable=True))

    op.create_table('audit_checkpoint',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.Column('database', sa.String(length=500), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('signature', sa.String(length=128), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('audit_checkpoint', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_checkpoint_seq'), ['seq'], unique=False)

    op.create_table('audit_columns',
    sa.Column('colset', sa.String(length=12), nullable=False),
    sa.Column('table_name', sa.String(length=60), nullable=False),
    sa.Column('columns', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('colset')
    )
    op.create_table('audit_state',
    sa.Column('table_name', sa.String(length=60), nullable=False),
    sa.Column('row_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('colset', sa.String(length=12), nullable=False),
    sa.Column('digest', sa.String(length=32), nullable=True),
    sa.PrimaryKeyConstraint('table_name', 'row_id')
    )
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(POSTGRES_STATE_FUNCTION)
        op.execute("CREATE TRIGGER audit_event_state AFTER INSERT ON audit_event FOR EACH ROW "
                   "WHEN (NEW.records IS NOT NULL AND json_typeof(NEW.records) = 'object') "
                   "EXECUTE FUNCTION lrip_audit_state()")
        for table, message in APPEND_ONLY.items():
            op.execute(f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                       f"FOR EACH ROW EXECUTE FUNCTION lrip_append_only('{message}')")
    else:
        op.execute(SQLITE_STATE_TRIGGER)
    context.config.attributes["lrip_baseline_records"] = True


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        for table in APPEND_ONLY:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
        op.execute("DROP TRIGGER IF EXISTS audit_event_state ON audit_event")
        op.execute("DROP FUNCTION IF EXISTS lrip_audit_state()")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_event_state")
    op.drop_table('audit_state')
    op.drop_table('audit_columns')
    with op.batch_alter_table('audit_checkpoint', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_checkpoint_seq'))

    op.drop_table('audit_checkpoint')
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.drop_column('records')

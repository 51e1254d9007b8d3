"""audit state in linear time: the trigger that keeps audit_state from an event's records reads each
table's column set once, not once per row. Before, SQLite's json_extract and PostgreSQL's `->>` parsed
the table's whole record text again for every row, so an event stating 10,000 rows (a measurement
import) took seconds on SQLite and half a minute on PostgreSQL, growing with the square of its rows.

Revision ID: 0024
Revises: 0023
"""
from alembic import op

revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None

# CROSS JOIN keeps SQLite's order: each table (t), its column set (c, element 0 of its pair), then its
# rows (r); each json_each parses NEW.records once per table.
SQLITE_STATE_TRIGGER = """
CREATE TRIGGER audit_event_state AFTER INSERT ON audit_event
WHEN NEW.records IS NOT NULL AND json_type(NEW.records) = 'object'
BEGIN
    INSERT INTO audit_state (table_name, row_id, seq, colset, digest)
    SELECT t.key, CAST(r.key AS INTEGER), NEW.seq, c.value, r.value
    FROM json_each(NEW.records) AS t
         CROSS JOIN json_each(NEW.records, '$."' || t.key || '"') AS c
         CROSS JOIN json_each(NEW.records, '$."' || t.key || '"[1]') AS r
    WHERE c.key = 0
    ON CONFLICT (table_name, row_id) DO UPDATE
        SET seq = excluded.seq, colset = excluded.colset, digest = excluded.digest;
END
"""

POSTGRES_STATE_FUNCTION = """
CREATE OR REPLACE FUNCTION lrip_audit_state() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO audit_state (table_name, row_id, seq, colset, digest)
    SELECT t.key, r.key::integer, NEW.seq, t.value->>0, r.value #>> '{}'
    FROM jsonb_each(NEW.records::jsonb) AS t, jsonb_each(t.value->1) AS r
    ON CONFLICT (table_name, row_id) DO UPDATE
        SET seq = EXCLUDED.seq, colset = EXCLUDED.colset, digest = EXCLUDED.digest;
    RETURN NULL;
END $$
"""

# 0019's, put back on the way down
OLD_SQLITE_STATE_TRIGGER = """
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

OLD_POSTGRES_STATE_FUNCTION = """
CREATE OR REPLACE FUNCTION lrip_audit_state() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO audit_state (table_name, row_id, seq, colset, digest)
    SELECT t.key, r.key::integer, NEW.seq, t.value->>0, r.value #>> '{}'
    FROM json_each(NEW.records) AS t, json_each(t.value->1) AS r
    ON CONFLICT (table_name, row_id) DO UPDATE
        SET seq = EXCLUDED.seq, colset = EXCLUDED.colset, digest = EXCLUDED.digest;
    RETURN NULL;
END $$
"""


def _replace(sqlite_trigger: str, postgres_function: str) -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(postgres_function)  # the trigger calls the function by name: replacing it is enough
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_event_state")
        op.execute(sqlite_trigger)


def upgrade() -> None:
    _replace(SQLITE_STATE_TRIGGER, POSTGRES_STATE_FUNCTION)


def downgrade() -> None:
    _replace(OLD_SQLITE_STATE_TRIGGER, OLD_POSTGRES_STATE_FUNCTION)

"""Many units at once: a count with a serial pattern or a range of serials (execution.rules.serial_series),
created all or none by one use case (execution.service.create_units), from the CLI (`lrip units create`)
and the lot page's form; every unit audited, every refusal with every reason."""
import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from factory import PM, PM_PASSWORD, actor, build_line
from lrip.app import create_app
from lrip.audit import AuditEvent
from lrip.auth.actor import Actor
from lrip.auth.service import set_password
from lrip.db import unit_of_work
from lrip.errors import Forbidden, Refused
from lrip.execution import service as execution
from lrip.execution.models import Unit
from lrip.execution.rules import MAX_UNITS_AT_ONCE, serial_series


@pytest.mark.parametrize("kw,serials", [
    ({"pattern": "SN200-{:04d}", "count": 3}, ["SN200-0001", "SN200-0002", "SN200-0003"]),
    ({"pattern": "SN200-{:04d}", "count": 2, "start": 75}, ["SN200-0075", "SN200-0076"]),
    ({"pattern": "P{}-A", "count": 2, "start": 9}, ["P9-A", "P10-A"]),
    ({"pattern": "X{:d}", "count": 1}, ["X1"]),
    ({"first": "SN-0098", "last": "SN-0101"}, ["SN-0098", "SN-0099", "SN-0100", "SN-0101"]),
    ({"first": "A7", "last": "A7"}, ["A7"]),
])
def test_a_pattern_or_a_range_gives_the_serials(kw, serials):
    assert serial_series(**kw) == (serials, [])


@pytest.mark.parametrize("kw,reasons", [
    ({"pattern": "SN-{0.__class__}", "count": 2}, ["a serial pattern has one number field like {:04d} (or {}), not "
                                                   "'SN-{0.__class__}'"]),
    ({"pattern": "SN-{}-{}", "count": 2, "start": -1}, ["a serial pattern has one number field like {:04d} (or {}), "
                                                         "not 'SN-{}-{}'", "serial numbers start at 0 or more, not -1"]),
    ({"pattern": "SN-{}", "count": MAX_UNITS_AT_ONCE + 1}, [f"at most {MAX_UNITS_AT_ONCE} units are created at once, "
                                                            f"not {MAX_UNITS_AT_ONCE + 1}"]),
    ({"first": "SN-0010", "last": "SN-0001"}, ["the last serial SN-0001 comes before the first SN-0010"]),
    ({"first": "SN-0", "last": "SN-999999999"}, ["at most 10000 units are created at once, not 1000000000"]),
    ({"first": "A-1", "last": "B-2"}, ["the first and last serials of a range share their prefix ('A-' is not 'B-')"]),
    ({"first": "SN-A", "last": "SN-B"}, ["the first serial of a range ends in its number, not 'SN-A'",
                                         "the last serial of a range ends in its number, not 'SN-B'"]),
])
def test_a_bad_pattern_or_range_says_every_reason(kw, reasons):
    assert serial_series(**kw) == ([], reasons)


def test_units_are_created_all_or_none_each_audited(session):
    build_line(session, lot_quantity=5, lrip_quantity=6)
    pm = actor(session, PM)
    execution.create_unit(session, pm, lot="L1", serial="SN-0002")
    count = session.scalar(select(func.count(Unit.id)))
    with pytest.raises(Refused) as exc:
        execution.create_units(session, pm, lot="L1", serials=["SN-0001", "sn-0002", "SN-0003", "SN-0004", "SN-0005",
                                                                "SN-0006"])
    assert exc.value.reasons == ["serial SN-0002 is already used",
                                 "lot L1 has room for 4 more of its planned 5 units, not 6",
                                 "the program's approved LRIP quantity of 6 units has room for 5 more, not 6"]
    assert session.scalar(select(func.count(Unit.id))) == count
    made = execution.create_units(session, pm, lot="l1", serials=["SN-0003", "SN-0004", "SN-0005"])
    assert (made.lot, made.count, made.positions) == ("L1", 3, (2, 4))
    assert [e.record_id for e in session.execute(select(AuditEvent).where(
        AuditEvent.action == "unit.created").order_by(AuditEvent.seq)).scalars()][-3:] == ["SN-0003", "SN-0004",
                                                                                           "SN-0005"]
    with pytest.raises(Forbidden):
        execution.create_units(session, Actor(id=None, username="vera", full_name="Vera", roles=("viewer",)),
                               lot="L1", serials=["X1"])


def test_the_lot_page_creates_units_by_pattern_or_range_and_shows_the_print_button(sqlite_url):
    with unit_of_work(sqlite_url) as session:
        build_line(session, lot_quantity=4)
        set_password(session, actor(session, "admin"), username="olga", password=PM_PASSWORD)
    client = TestClient(create_app(sqlite_url))
    client.post("/login", data={"username": PM, "password": PM_PASSWORD, "next": "/",
                                "csrf_token": re.search(r'name="csrf_token" value="([^"]+)"',
                                                        client.get("/login").text).group(1)},
                follow_redirects=False)
    page = client.get("/lots/L1").text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    assert 'id="units-pattern-form"' in page and "print-labels" not in page  # nothing to print yet
    r = client.post("/lots/L1/units", data={"csrf_token": csrf, "count": "5", "pattern": "SN-{:03d}", "start": "1"})
    assert r.status_code == 409 and "Lot L1 has room for 4 more of its planned 4 units, not 5." in r.text
    assert 'value="SN-{:03d}"' in r.text  # the values stay as typed
    r = client.post("/lots/L1/units", data={"csrf_token": csrf, "count": "2", "pattern": "SN-{:03d}", "start": "1"})
    assert "Created 2 units in lot L1: SN-001 to SN-002." in r.text
    r = client.post("/lots/L1/units", data={"csrf_token": csrf, "first": "SN-003", "last": "SN-001"})
    assert r.status_code == 422 and "The last serial SN-001 comes before the first SN-003." in r.text
    r = client.post("/lots/L1/units", data={"csrf_token": csrf, "first": "SN-003", "last": "SN-004"})
    assert "Created 2 units in lot L1: SN-003 to SN-004." in r.text
    assert 'id="print-labels"' in r.text and 'id="units-pattern-form"' not in r.text  # the lot is full

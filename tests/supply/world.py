"""A small supply base for the supply tests: three suppliers (approved, conditional,
disqualified), a lot-tracked and a serialized part, and a buyer and an inspector."""
from datetime import date, timedelta

from sqlalchemy import event
from sqlalchemy.orm import Session

from factory import actor
from lrip.auth.actor import INSTALLATION
from lrip.auth.service import create_user
from lrip.catalog import service as catalog
from lrip.db import engine_for
from lrip.supply import service as supply

ADMIN, BUYER, INSPECTOR, QUALITY = "admin", "bea", "ian", "quinn"
TODAY = date.today()


def days_ago(n: int) -> date:
    return TODAY - timedelta(days=n)


def build_supply(session: Session) -> None:
    create_user(session, INSTALLATION, username=ADMIN, full_name="Ada Admin", roles=["admin"])
    admin = actor(session, ADMIN)
    create_user(session, admin, username=BUYER, full_name="Bea Buyer", roles=["supply_chain"])
    create_user(session, admin, username=INSPECTOR, full_name="Ian Inspector", roles=["inspector"])
    create_user(session, admin, username=QUALITY, full_name="Quinn Quality", roles=["quality_engineer"])
    catalog.create_part(session, admin, number="BRK-1", description="Bracket", tracking="lot")
    catalog.create_part(session, admin, number="PCB-9", description="Controller board", tracking="serial")
    catalog.create_part(session, admin, number="GSK-2", description="Gasket", tracking="lot")
    for number in ("BRK-1", "PCB-9", "GSK-2"):  # received as their released revision unless a receipt says
        catalog.add_part_revision(session, admin, number=number, revision="A", release=True)
    bea = actor(session, BUYER)
    supply.create_supplier(session, bea, code="ACME", name="Acme Machining", status="approved")
    supply.create_supplier(session, bea, code="CND", name="Conditional Circuits", status="conditional")
    supply.create_supplier(session, bea, code="DQ", name="Disqualified Die Casting", status="approved")
    supply.approve_source(session, bea, part="BRK-1", supplier="ACME")
    supply.approve_source(session, bea, part="PCB-9", supplier="CND")
    supply.approve_source(session, bea, part="BRK-1", supplier="DQ")


def order(session: Session, number: str, supplier: str, ordered: date, lines: list[tuple]) -> None:
    """lines: (part, quantity, promised date)."""
    supply.place_order(session, actor(session, BUYER), number=number, supplier=supplier, ordered_on=ordered,
                       lines=lines)


def statements_during(url: str, work) -> int:
    """How many SQL statements the application sends to the database at `url` while work() runs
    (a page's reads, its sign-in lookup included)."""
    sent = []

    def count(conn, cursor, statement, *args):
        sent.append(statement)

    engine = engine_for(url)
    event.listen(engine, "before_cursor_execute", count)
    try:
        work()
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(sent)

"""A part revision changeover on the factory line (issue 13, configuration): engineers who raise and sign
change requests, a part revision change carried through change control (raised by eric, signed by erin,
the quality engineer and the program manager, approved and implemented), and a lot that comes after it."""
from datetime import datetime

from sqlalchemy.orm import Session

from factory import ADMIN, PM, PM_PASSWORD, QE, QE_PASSWORD, actor
from lrip.auth.service import create_user
from lrip.catalog import service as catalog
from lrip.change import service as change
from lrip.program import service as program
from lrip.supply import service as supply

ENGINEER, SECOND_ENGINEER, PASSWORD = "eric", "erin", "engineers-sign-changes-1"


def engineers(session: Session) -> None:
    admin = actor(session, ADMIN)
    for username, name in ((ENGINEER, "Eric Engineer"), (SECOND_ENGINEER, "Erin Engineer")):
        create_user(session, admin, username=username, full_name=name, roles=["manufacturing_engineer"],
                    password=PASSWORD)


def raise_part_change(session: Session, *, part: str = "SCR-4", old: str = "A", new: str = "B",
                      effectivity: str = "next_lot", serial: str | None = None,
                      submitted_at: datetime | None = None) -> str:
    """The draft revision and a submitted change request carrying it; its number."""
    eric = actor(session, ENGINEER)
    catalog.add_part_revision(session, eric, number=part, revision=new)
    cr = change.create_change(session, eric, program="ACT", title=f"{part} rev {new}", reason="Supplier drawing update",
                              description=f"{part} rev {new}: thread lock patch", change_class="major",
                              effectivity=effectivity, effectivity_serial=serial,
                              urgency="urgent" if effectivity == "immediate" else "normal",
                              items=[f"part_revision:{part}:{old}:{new}"])
    change.submit_change(session, eric, number=cr.number, at=submitted_at)
    return cr.number


def approve_and_implement(session: Session, number: str) -> None:
    """Signed by engineering (not its author), quality and program; approved; implemented."""
    change.sign_change(session, actor(session, SECOND_ENGINEER), number=number, password=PASSWORD)
    change.sign_change(session, actor(session, QE), number=number, password=QE_PASSWORD)
    change.sign_change(session, actor(session, PM), number=number, password=PM_PASSWORD)
    change.approve_change(session, actor(session, PM), number=number)
    change.implement_change(session, actor(session, ENGINEER), number=number)


def change_part(session: Session, **how) -> str:
    number = raise_part_change(session, **how)
    approve_and_implement(session, number)
    return number


def next_lot(session: Session, number: str = "L2", quantity: int = 5) -> None:
    program.create_lot(session, actor(session, PM), program="ACT", number=number, planned_quantity=quantity,
                       routing_revision="1")


def receive_screws(session: Session, lot_number: str, revision: str, quantity: float = 100) -> None:
    """An accepted lot of SCR-4 of this revision, from its approved source."""
    admin = actor(session, ADMIN)
    supply.receive_lot(session, admin, lot_number=lot_number, part="SCR-4", supplier="SUP-M", quantity=quantity,
                       revision=revision)
    supply.inspect_lot(session, admin, lot_number=lot_number, accept=True)

"""The factory's line plus the people who raise and sign changes (eli raises; emil, quinn and pam give the
engineering, quality and program approvals), each signing with PASSWORD, and draft revisions to change to."""
import pytest
from sqlalchemy.orm import Session

from factory import actor, build_line
from lrip.auth.service import create_user, set_password
from lrip.catalog import service as catalog
from lrip.catalog.service import CharacteristicSpec as C
from lrip.catalog.service import OperationSpec as O
from lrip.change.service import sign_change

PASSWORD = "change-signs-here-2026"
# eli raises the changes, emil (another engineer) gives their engineering approval: an author never does
SIGNERS = [("eli", "Eli Engineer", ["manufacturing_engineer"]), ("emil", "Emil Engineer", ["manufacturing_engineer"]),
           ("pam", "Pam Program", ["program_manager"]), ("ivy", "Ivy Inspector", ["inspector"])]


def build_change_line(session: Session, *, phase: str = "lrip", lot_quantity: int = 5) -> dict:
    names = build_line(session, phase=phase, lot_quantity=lot_quantity)
    admin = actor(session, "admin")
    for username, name, roles in SIGNERS:
        create_user(session, admin, username=username, full_name=name, roles=roles, password=PASSWORD)
    set_password(session, admin, username="quinn", password=PASSWORD)  # the factory's quality engineer
    catalog.add_document_revision(session, actor(session, "eli"), number="WI-10", revision="B",
                                  content="Do WI-10 carefully; verify the torque driver before the first unit.")
    return names


def routing_2(session: Session, *, torque_usl: float = 2.1) -> None:
    """A draft routing rev 2: operation 10's torque limit tightened, everything else as rev 1."""
    catalog.create_routing(session, actor(session, "eli"), part="ACT-100", part_revision="A", revision="2",
                           operations=[
        O(10, "Assemble", "ASSY", 30, ("WI-10", "A"), ("torque driver",), "assembly",
          (C("TORQUE", "Screw torque", "variable", 2.0, 1.8, torque_usl, "N·m", key=True),)),
        O(20, "Inspect", "ASSY", 10, ("WI-20", "A"), (), "assembly", (C("VISUAL", "Visual inspection", "attribute"),)),
        O(30, "Test", "TEST", 20, ("WI-30", "A"), (), "test",
          (C("CURRENT", "No-load current", "variable", 1.0, 0.8, 1.2, "A", key=True),
           C("NOISE", "Noise", "variable", None, None, 45.0, "dB"))),
    ])


def sign_all(session: Session, number: str, people=("emil", "quinn", "pam")):
    """Each of `people` signs the change's approval as themselves; the last answer."""
    result = None
    for who in people:
        result = sign_change(session, actor(session, who), number=number, password=PASSWORD)
    return result


@pytest.fixture
def kit():
    """The helpers above, for the tests of this folder (conftest is not importable by name)."""
    class Kit:
        password = PASSWORD
        build = staticmethod(build_change_line)
        routing_2 = staticmethod(routing_2)
        sign_all = staticmethod(sign_all)
    return Kit

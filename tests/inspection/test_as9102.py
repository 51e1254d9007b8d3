"""AS9102 as the standard lays the forms out (issue 13): Form 1's organization is the installation's setting on
every FAI (it was the program's name on one and the plant's on another), with the index of serialized
sub-assemblies and their own FAI reports; Form 2 names the specifications and the special processes with the
supplier who performed them and the certificate; Form 3 gives each characteristic its balloon number and
drawing zone (it gave the operation).

The scene: tests/genealogy.py (motor MTR-S01, wound from WIRE-LOT-1, in actuator SN-TOP), and a pump PMP-9
built in the prototype phase from a second motor MTR-S02 and a housing bought hard anodised with its
certificate, its routing ballooned, its connector potted in house."""
import io
from datetime import timedelta

import pytest
from pypdf import PdfReader

from factory import ADMIN, TODAY, actor, build_line
from genealogy import build_genealogy, build_motor
from lrip.auth.service import create_user
from lrip.catalog import service as catalog
from lrip.catalog.service import CharacteristicSpec as C
from lrip.catalog.service import OperationSpec as O
from lrip.errors import Refused
from lrip.execution import service as execution
from lrip.inspection import export, first_article
from lrip.program import service as program
from lrip.settings import service as settings
from lrip.supply import service as supply

ORGANIZATION = "Halvorsen Actuation, Plant 2"
PASSWORD = "approves-first-articles-1"


def _pump(session) -> None:
    admin, olga = actor(session, ADMIN), actor(session, "olga")
    catalog.create_part(session, admin, number="HSG-9", description="Housing", tracking="lot")
    catalog.add_part_revision(session, admin, number="HSG-9", revision="C", release=True)
    supply.approve_source(session, admin, part="HSG-9", supplier="SUP-M")
    supply.create_purchase_order(session, admin, number="PO-7101", supplier="SUP-M", ordered_on=TODAY - timedelta(20))
    supply.add_order_line(session, admin, po="PO-7101", part="HSG-9", quantity=5, promised_on=TODAY - timedelta(2))
    supply.receive(session, admin, po="PO-7101", line=1, quantity=5, lot_number="HSG-LOT-1", certificate="COC-881",
                   received_on=TODAY - timedelta(2))
    supply.inspect_receipt(session, admin, lot_number="HSG-LOT-1", defects=0)
    catalog.create_part(session, admin, number="PMP-9", description="Fuel pump", tracking="serial")
    catalog.add_part_revision(session, admin, number="PMP-9", revision="A")
    catalog.add_bom_line(session, admin, parent="PMP-9", revision="A", child="MTR-1", quantity=1, operation_sequence=10)
    catalog.add_bom_line(session, admin, parent="PMP-9", revision="A", child="HSG-9", quantity=1, operation_sequence=10,
                         specification="AMS-QQ-A-250/11", special_process="Hard anodise",
                         process_specification="MIL-A-8625 Type III Class 1")
    catalog.release_part(session, admin, number="PMP-9", revision="A")
    catalog.create_routing(session, admin, part="PMP-9", part_revision="A", revision="1", release=True, operations=[
        O(10, "Assemble", "ASSY", 30, ("WI-10", "A"), (), "assembly",
          (C("TORQUE", "Screw torque", "variable", 2.0, 1.8, 2.2, "N·m", key=True, balloon="7", drawing_zone="C3"),)),
        O(20, "Pot the connector", "ASSY", 15, ("WI-20", "A"), (), "assembly",
          (C("VISUAL", "Potting free of voids", "attribute", balloon="12", drawing_zone="D1"),),
          special_process="Potting", process_specification="NASA-STD-8739.1")])
    program.create_program(session, admin, code="PMP", name="Pump development", part="PMP-9", part_revision="A",
                           planned_total=20, frp_target_rate=2)
    program.create_lot(session, admin, program="PMP", number="PMP-L1", planned_quantity=2, routing_revision="1")
    execution.create_unit(session, admin, lot="PMP-L1", serial="PMP-001")
    execution.start_operation(session, olga, serial="PMP-001", operation=10)
    execution.consume(session, olga, serial="PMP-001", operation=10, identifier="MTR-S02")
    execution.consume(session, olga, serial="PMP-001", operation=10, identifier="HSG-LOT-1")
    execution.record_measurement(session, olga, serial="PMP-001", characteristic="TORQUE", result="2.01")
    execution.complete_operation(session, olga, serial="PMP-001", operation=10)
    execution.start_operation(session, olga, serial="PMP-001", operation=20)
    execution.record_measurement(session, olga, serial="PMP-001", characteristic="VISUAL", result="pass")
    execution.complete_operation(session, olga, serial="PMP-001", operation=20)


@pytest.fixture
def scene(session):
    build_genealogy(session)
    admin = actor(session, ADMIN)
    create_user(session, admin, username="qa", full_name="Quality Approver", roles=["quality_engineer"],
                password=PASSWORD)
    settings.set_setting(session, admin, key="organization", value=ORGANIZATION, reason="the plant's legal name")
    build_motor(session, "MTR-S02")
    _pump(session)
    return session


def test_the_organization_is_the_installations_on_every_fai(scene):
    admin = actor(scene, ADMIN)
    top = first_article.create_fai(scene, admin, serial="SN-TOP", kind="full", reason="first actuator")
    pump = first_article.create_fai(scene, admin, serial="PMP-001", kind="full", reason="first pump")
    assert top.form1["organization"] == pump.form1["organization"] == ORGANIZATION  # not "Actuator ramp"
    assert top.organization == pump.organization == ORGANIZATION


def test_without_the_setting_no_fai_is_opened(session):
    build_line(session)
    admin = actor(session, ADMIN)
    execution.create_unit(session, admin, lot="L1", serial="SN-1")
    with pytest.raises(Refused) as refused:
        first_article.create_fai(session, admin, serial="SN-1")
    assert refused.value.reasons == [settings.NO_ORGANIZATION]


def test_form_3_gives_each_characteristic_its_balloon_and_drawing_zone(scene):
    fai = first_article.create_fai(scene, actor(scene, ADMIN), serial="PMP-001", kind="full", reason="first pump")
    assert [(r["balloon"], r["drawing_zone"], r["code"], r["result"]) for r in fai.form3] == [
        ("7", "C3", "TORQUE", "2.01 N·m"), ("12", "D1", "VISUAL", "pass")]
    lines = export.form3_csv(fai).splitlines()
    assert lines[0].startswith("fai_number,char_no,balloon,drawing_zone,code,")
    assert lines[1].startswith(f"{fai.number},1,7,C3,TORQUE,")


def test_form_2_names_specifications_and_special_processes_with_supplier_and_certificate(scene):
    fai = first_article.create_fai(scene, actor(scene, ADMIN), serial="PMP-001", kind="full", reason="first pump")
    housing = next(m for m in fai.form2["materials"] if m["part"] == "HSG-9")
    assert (housing["identifier"], housing["specification"]) == ("HSG-LOT-1", "AMS-QQ-A-250/11")
    assert [{k: p[k] for k in ("process", "specification", "performed_on", "supplier", "certificate")}
            for p in fai.form2["special_processes"]] == [
        {"process": "Hard anodise", "specification": "MIL-A-8625 Type III Class 1",
         "performed_on": "HSG-9 (HSG-LOT-1)", "supplier": "SUP-M", "certificate": "COC-881"},
        {"process": "Potting", "specification": "NASA-STD-8739.1", "performed_on": "operation 20 Pot the connector",
         "supplier": None, "certificate": f"operation record: olga, {TODAY:%Y-%m-%d}"}]
    assert fai.form2["special_processes"][1]["supplier_name"] == f"{ORGANIZATION} (in house)"


def test_form_1_indexes_serialized_sub_assemblies_with_their_revision_and_fai(scene):
    admin, qa = actor(scene, ADMIN), actor(scene, "qa")
    motor = first_article.create_fai(scene, admin, serial="MTR-S01", kind="full", reason="first motor")
    first_article.complete_fai(scene, admin, number=motor.number)
    first_article.sign_fai(scene, qa, number=motor.number, password=PASSWORD, meaning="approved")
    fai = first_article.create_fai(scene, admin, serial="PMP-001", kind="full", reason="first pump")
    assert fai.form1["subassemblies"] == [{"part": "MTR-1", "name": "Motor", "revision": "A", "serial": "MTR-S02",
                                           "fai": motor.number, "source": "built in house"}]
    first_article.complete_fai(scene, admin, number=fai.number)
    pdf = export.fai_pdf(first_article.fai_record(scene, admin, number=fai.number))
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    for words in (ORGANIZATION, "MTR-S02", motor.number, "Hard anodise", "COC-881", "MIL-A-8625", "C3", "D1"):
        assert words in text

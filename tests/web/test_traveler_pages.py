"""The traveler pages: scanning, what the operator sees, refusals with every reason,
typed values kept, holds shown, permissions, and the as-built record."""
import re

from factory import actor, run_op10
from lrip.execution import service as execution


def reasons(html: str, box: str) -> list[str]:
    """The reasons listed in one refusal box of a page."""
    found = re.search(rf'id="{box}">(.*?)</div>', html, re.S)
    return re.findall(r"<li>(.*?)</li>", found.group(1), re.S) if found else []


def test_scanning_opens_the_traveler_or_says_why(sign_in):
    client, _ = sign_in("olga")
    r = client.get("/traveler?serial=%20SN-1%20", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/units/SN-1"
    r = client.get("/traveler?serial=sn-1", follow_redirects=False)  # a scanner in lower case
    assert r.status_code == 303 and r.headers["location"] == "/units/SN-1"
    r = client.get("/traveler?serial=NOPE-9")
    assert r.status_code == 404
    # the refused text is said in the message, and the box is empty for the next scan (no appending)
    assert "No unit with serial NOPE-9." in r.text and "Not opened: “NOPE-9”" in r.text
    assert re.search(r'<input id="serial" name="serial" class="input-xl" value=""', r.text)
    assert client.get("/units/NOPE-9").status_code == 404


def test_the_traveler_shows_instruction_limits_tools_and_material(sign_in):
    client, _ = sign_in("olga")
    page = client.get("/units/SN-1").text
    assert "Operation 10 — Assemble" in page
    assert "WI-10 rev A" in page and "Released" in page and "Do WI-10 carefully." in page
    assert "torque driver" in page and "1 × MTR-1" in page and "4 × SCR-4" in page
    assert "Start operation 10" in page and 'name="tools"' in page


def test_a_refused_start_says_every_reason_and_keeps_the_tools_typed(sign_in, db):
    client, token = sign_in("newbie")
    r = client.post("/units/SN-1/start", data={"operation": "10", "tools": "TQ-OLD, TQ-TMP", "csrf_token": token})
    assert r.status_code == 409
    said = reasons(r.text, "start-refused")
    assert "Operator newbie is not qualified for &#39;assembly&#39;." in said
    assert any("Tool TQ-OLD calibration expired" in s for s in said)
    assert any("TQ-TMP is a temporary tool" in s for s in said)
    assert len(said) == 3
    assert 'value="TQ-OLD, TQ-TMP"' in r.text
    assert db(lambda s: execution.get_unit(s, "SN-1").status) == "planned"


def test_complete_too_early_lists_everything_missing_and_measures_are_kept_on_refusal(sign_in):
    client, token = sign_in("olga")
    client.post("/units/SN-1/start", data={"operation": "10", "tools": "TQ-1", "csrf_token": token})
    r = client.post("/units/SN-1/complete", data={"operation": "10", "csrf_token": token})
    assert r.status_code == 409
    assert reasons(r.text, "complete-refused") == [
        "Operation 10 (Assemble) needs a result for TORQUE Screw torque.",
        "Operation 10 (Assemble) needs 1 more of MTR-1 consumed.",
        "Operation 10 (Assemble) needs 4 more of SCR-4 consumed."]
    r = client.post("/units/SN-1/measure", data={"operation": "10", "m_TORQUE": "2,1", "gauge": "G1",
                                                 "csrf_token": token})
    assert r.status_code == 422  # an unreadable number is invalid input, not a refusal
    assert reasons(r.text, "measure-refused") == ["TORQUE Screw torque needs a number, not &#39;2,1&#39;."]
    assert 'value="2,1"' in r.text and 'value="G1"' in r.text
    r = client.post("/units/SN-1/consume", data={"operation": "10", "material": "SCR-LOT-X", "quantity": "5",
                                                 "csrf_token": token})
    said = reasons(r.text, "consume-refused")
    assert any("needs 4 of SCR-4" in s for s in said) and any("not an approved source" in s for s in said)
    assert 'value="SCR-LOT-X"' in r.text and 'value="5"' in r.text


def test_values_recorded_stay_recorded_and_refused_ones_stay_typed(sign_in, db):
    def to_op30(s):
        run_op10(s, "SN-1", "M-001")
        olga = actor(s, "olga")
        execution.start_operation(s, olga, serial="SN-1", operation=20)
        execution.record_measurement(s, olga, serial="SN-1", characteristic="VISUAL", result="pass")
        execution.complete_operation(s, olga, serial="SN-1", operation=20)
        execution.start_operation(s, olga, serial="SN-1", operation=30)

    db(to_op30)
    client, token = sign_in("olga")
    r = client.post("/units/SN-1/measure", data={"operation": "30", "m_CURRENT": "1.05", "m_NOISE": "loud",
                                                 "csrf_token": token})
    assert reasons(r.text, "measure-refused") == ["NOISE Noise needs a number, not &#39;loud&#39;."]
    assert "Recorded CURRENT." in r.text and "Recorded 1.05 A — in spec" in r.text
    assert 'value="loud"' in r.text and 'value="1.05"' not in r.text


def test_an_out_of_spec_value_holds_the_unit_and_the_reason_is_shown(sign_in):
    client, token = sign_in("olga")
    client.post("/units/SN-1/start", data={"operation": "10", "tools": "TQ-1", "csrf_token": token})
    page = client.get("/units/SN-1").text
    assert 'data-lsl="1.8"' in page and 'data-usl="2.2"' in page  # what the page's script flags against
    r = client.post("/units/SN-1/measure", data={"operation": "10", "m_TORQUE": "2.5", "csrf_token": token})
    assert "is now ON HOLD" in r.text
    assert re.search(r'id="hold">\s*<strong>On hold</strong> TORQUE Screw torque measured 2.5 N·m, above the '
                     r"upper limit 2.2 N·m.", r.text)
    assert "Recorded 2.5 N·m — OUT OF SPEC" in r.text


def test_a_viewer_reads_the_traveler_but_may_not_act(sign_in, db):
    client, token = sign_in("vera")
    page = client.get("/units/SN-1").text
    assert "Your roles may not start operations." in page and "/units/SN-1/start" not in page
    r = client.post("/units/SN-1/start", data={"operation": "10", "tools": "TQ-1", "csrf_token": token})
    assert r.status_code == 403
    assert reasons(r.text, "start-refused") == [
        "Vera (viewer) may not start operations; that needs operator, inspector or admin."]
    assert db(lambda s: execution.get_unit(s, "SN-1").status) == "planned"


def test_the_as_built_record_shows_what_lrip_traveler_shows(sign_in, db):
    db(lambda s: run_op10(s, "SN-1", "M-001"))
    client, _ = sign_in("oscar")
    page = client.get("/units/SN-1/record").text
    for text in ("As-built record", "olga", "TQ-1", "WI-10 rev A", "TORQUE", "2 N·m", "[1.8 – 2.2 N·m]", "M-001",
                 "SCR-LOT-1", "(SCR-4 rev A) × 4", "SUP-M", "Next: start operation 20 (Inspect)"):
        assert text in page, text


def test_a_serial_is_found_regardless_of_case(sign_in):
    client, _ = sign_in("olga")
    r = client.get("/traveler?serial=sn-1", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/units/SN-1"
    assert "Operation 10 — Assemble" in client.get("/units/sn-1").text


def test_a_held_unit_names_its_ncr_and_takes_no_more_values(sign_in):
    client, token = sign_in("olga")
    client.post("/units/SN-1/start", data={"operation": "10", "tools": "TQ-1", "csrf_token": token})
    client.post("/units/SN-1/measure", data={"operation": "10", "m_TORQUE": "2.5", "csrf_token": token})
    page = client.get("/units/SN-1").text
    assert 'href="/ncrs/NCR-000001"' in page
    r = client.post("/units/SN-1/consume", data={"operation": "10", "material": "M-001", "csrf_token": token})
    assert r.status_code == 409
    assert reasons(r.text, "consume-refused") == [
        "SN-1 is on hold; it takes no new work until the MRB&#39;s disposition releases it."]


def test_a_value_that_is_not_a_plain_decimal_is_refused_on_the_page(sign_in, db):
    client, token = sign_in("olga")
    client.post("/units/SN-1/start", data={"operation": "10", "tools": "TQ-1", "csrf_token": token})
    r = client.post("/units/SN-1/measure", data={"operation": "10", "m_TORQUE": "0_08", "csrf_token": token})
    assert r.status_code == 422
    assert reasons(r.text, "measure-refused") == ["TORQUE Screw torque needs a number, not &#39;0_08&#39;."]
    assert db(lambda s: execution.get_unit(s, "SN-1").status) == "in_work"


def test_a_held_unit_shows_it_is_held_and_offers_no_live_action(sign_in):
    """The strip says Held, not In work; 'Record results' and 'Complete' are disabled with the reason the
    service would give (execution.rules), and no material form is offered."""
    client, token = sign_in("olga")
    client.post("/units/SN-1/start", data={"operation": "10", "tools": "TQ-1", "csrf_token": token})
    client.post("/units/SN-1/measure", data={"operation": "10", "m_TORQUE": "2.5", "csrf_token": token})
    page = client.get("/units/SN-1").text
    step = re.search(r'<li class="step step-held step-current"\s+aria-current="step">.*?</li>', page, re.S)
    assert step and "<small>Held</small>" in step.group(0)
    assert re.search(r'<fieldset class="plain" disabled>', page)
    assert reasons(page, "measure-why") == ["SN-1 is on hold; it takes no new work until the MRB&#39;s disposition "
                                            "releases it."]
    assert reasons(page, "consume-why") == reasons(page, "measure-why") and 'id="material"' not in page
    assert re.search(r'<button class="btn btn-go btn-block" type="submit" disabled aria-describedby="complete-why">'
                     r"Complete operation 10</button>", page)
    assert "SN-1 is on hold." in reasons(page, "complete-why")


def test_complete_is_disabled_with_what_is_still_to_do_and_live_when_nothing_is(sign_in, db):
    client, token = sign_in("olga")
    client.post("/units/SN-1/start", data={"operation": "10", "tools": "TQ-1", "csrf_token": token})
    page = client.get("/units/SN-1").text
    assert "disabled aria-describedby=\"complete-why\">Complete operation 10" in page
    assert "Operation 10 (Assemble) needs a result for TORQUE Screw torque." in reasons(page, "complete-why")
    assert 'data-scan data-next' in page  # the material box takes the next scan
    db(lambda s: [execution.consume(s, actor(s, "olga"), serial="SN-1", operation=10, identifier=i, quantity=q)
                  for i, q in (("M-001", None), ("SCR-LOT-1", 4))])
    db(lambda s: execution.record_measurement(s, actor(s, "olga"), serial="SN-1", characteristic="TORQUE",
                                              result="2.0"))
    page = client.get("/units/SN-1").text
    assert 'type="submit" >Complete operation 10' in page and 'id="complete-why"' not in page

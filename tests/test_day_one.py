"""Day one, through the command line only: from `lrip init` on an empty database to LRIP lots and the
readiness evaluation, each step done by the signed-in person who would do it (`lrip login NAME
--password-stdin`, the session kept in $LRIP_HOME), the product from the definition file shipped in
examples/pmp-40. Nothing here reaches past the CLI: no service, no factory, no SQL.

Dates are set from today (gauges calibrated and qualifications granted for a year ahead), so the walk
does not depend on when it runs."""
import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lrip.cli import app

runner = CliRunner()
EXAMPLE = Path(__file__).parents[1] / "examples" / "pmp-40" / "product.yaml"
PASSWORD = "day-one-sign-in-2026"
PEOPLE = [  # username, full name, role
    ("mel", "Mel Ortiz", "manufacturing_engineer"), ("quinn", "Quinn Hale", "quality_engineer"),
    ("ines", "Ines Park", "inspector"), ("sam", "Sam Reyes", "supply_chain"),
    ("pat", "Pat Lowe", "program_manager"), ("olga", "Olga Berg", "operator"), ("vic", "Vic Stone", "viewer")]
YEAR_AHEAD = (date.today() + timedelta(days=365)).isoformat()


class Desk:
    """The command line of one database, as whoever signed in last."""

    def __init__(self, url: str):
        self.url = url
        self.who = None

    def invoke(self, *args: str, stdin: str | None = None):
        return runner.invoke(app, [*args, "--db", self.url, "--json"], input=stdin)

    def ok(self, *args: str, stdin: str | None = None):
        r = self.invoke(*args, stdin=stdin)
        assert r.exit_code == 0, f"{self.who}: lrip {' '.join(args)}\n{r.output}"
        return json.loads(_json_of(r.output))

    def refused(self, *args: str, stdin: str | None = None) -> tuple[str, list[str]]:
        r = self.invoke(*args, stdin=stdin)
        assert r.exit_code == 2, f"{self.who}: lrip {' '.join(args)} was not refused\n{r.output}"
        answer = json.loads(_json_of(r.output))
        return answer["error"], answer["reasons"]

    def login(self, username: str, password: str = PASSWORD) -> dict:
        self.who = username
        return self.ok("login", username, "--password-stdin", stdin=password + "\n")

    def sign(self, *args: str):
        """A command that signs: the signer's password again, on standard input."""
        return self.ok(*args, stdin=PASSWORD + "\n")

    def audit(self) -> set[tuple[str, str]]:
        """Who did what, by the audit trail's newest 500 events (as someone who may read it)."""
        return {(e["actor"], e["action"]) for e in self.ok("audit", "log", "--limit", "500")["items"]}


def _json_of(output: str) -> str:
    """The JSON document a command printed (a password prompt may come before it)."""
    starts = [i for i in (output.find("{"), output.find("[")) if i >= 0]
    return output[min(starts):]


@pytest.fixture
def desk(tmp_path, monkeypatch) -> Desk:
    """An empty database created by `lrip init`, the session file in a home of its own."""
    monkeypatch.setenv("LRIP_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("LRIP_TOKEN", raising=False)
    monkeypatch.delenv("LRIP_DATABASE_URL", raising=False)
    d = Desk(f"sqlite:///{tmp_path / 'plant.db'}")
    made = d.ok("init")
    d.admin_password = made["admin"]["password"]
    return d


def test_day_one_from_an_empty_database_to_lrip_lots_and_the_readiness_evaluation(desk, tmp_path):
    d = desk
    # ---- nobody is signed in yet; the admin signs in with the password init printed, and adds the people
    assert d.refused("part", "list")[0] == "not_signed_in"
    assert d.login("admin", d.admin_password)["roles"] == ["admin"]
    for username, name, role in PEOPLE:
        d.ok("user", "add", username, "--name", name, "--role", role, "--password-stdin", stdin=PASSWORD + "\n")

    # ---- the manufacturing engineer loads the product from its file: checked, written, and again: no change
    d.login("mel")
    # a file with an error changes nothing and names where the error is
    bad = tmp_path / "pmp-40" / "product.yaml"
    bad.parent.mkdir()
    bad.write_text(EXAMPLE.read_text().replace("usl: 12.02", "usl: 11.97"))
    (bad.parent / "datum-a.png").write_bytes((EXAMPLE.parent / "datum-a.png").read_bytes())
    code, reasons = d.refused("product", "import", str(bad))
    assert [r for r in reasons if "usl" in r] == [
        "line 58: routings[0].operations[0].characteristics[0].usl: 11.97 is below lsl 11.98"], reasons
    assert d.ok("part", "list") == [] and d.ok("work-center", "list") == []
    dry = d.ok("product", "import", str(EXAMPLE), "--dry-run")
    assert dry["dry_run"] and dry["changes"] > 0
    assert d.ok("part", "list") == []
    loaded = d.ok("product", "import", str(EXAMPLE))
    assert (loaded["dry_run"], loaded["changes"]) == (False, dry["changes"])
    assert d.ok("product", "import", str(EXAMPLE))["changes"] == 0
    routing = d.ok("routing", "show", "PMP-40", "A", "1")
    assert routing["status"] == "released" and [op["sequence"] for op in routing["operations"]] == [10, 20, 30]
    assert sorted(p["number"] for p in d.ok("part", "list")) == ["BODY-40", "IMP-40", "PMP-40", "SCR-M5"]
    # a bad value changes nothing and says why
    code, reasons = d.refused("tool", "calibrate", "CMM-1", "--due", "someday", "--certificate", "CAL-X")
    assert code != "forbidden" and reasons
    # the gauges get their calibrations for the year ahead
    for gauge, cert in (("CMM-1", "CAL-D1-01"), ("MIC-2", "CAL-D1-02"), ("FLOW-1", "CAL-D1-03"),
                        ("TQ-5", "CAL-D1-04")):
        cal = d.ok("tool", "calibrate", gauge, "--due", YEAR_AHEAD, "--certificate", cert)
        assert cal["calibration_due"] == YEAR_AHEAD
    assert [c["certificate"] for c in d.ok("tool", "calibrations", "CMM-1")] == ["CAL-2026-118", "CAL-D1-01"]
    # the operator's qualifications
    for skill in ("machining", "assembly", "test"):
        d.ok("qualification", "grant", "olga", skill, "--expires", YEAR_AHEAD, "--training", f"TR-{skill}")
    assert {s["skill"]: s["holders"] for s in d.ok("qualification", "skills")} == {
        "assembly": ["olga"], "machining": ["olga"], "test": ["olga"]}

    # ---- supply chain: suppliers, approved sources, a purchase order; receipts
    d.login("sam")
    for code, name in (("CASTCO", "Castco Foundry"), ("IMPELL", "Impell Ltd"), ("FASTEN", "Fasten AG")):
        d.ok("suppliers", "add", code, "--name", name)
    for part, supplier in (("BODY-40", "CASTCO"), ("IMP-40", "IMPELL"), ("SCR-M5", "FASTEN")):
        d.ok("suppliers", "approve-source", part, supplier)
    promised = (date.today() + timedelta(days=7)).isoformat()
    for po, supplier, part, quantity in (("PO-1001", "CASTCO", "BODY-40", "12"), ("PO-1002", "IMPELL", "IMP-40", "4"),
                                         ("PO-1003", "FASTEN", "SCR-M5", "100")):
        d.ok("po", "create", po, "--supplier", supplier)
        d.ok("po", "add-line", po, part, "--quantity", quantity, "--promised", promised)
    d.ok("receive", "PO-1001", "1", "--quantity", "12", "--lot", "CAST-0601", "--cert", "COC-0601")
    d.ok("receive", "PO-1002", "1", "--quantity", "4", *[a for i in range(1, 5) for a in ("--serial", f"IMP-{i:03d}")])
    d.ok("receive", "PO-1003", "1", "--quantity", "100", "--lot", "SCR-2211")

    # ---- the inspector: incoming inspection accepts the lots
    d.login("ines")
    for lot in ("CAST-0601", "SCR-2211", *[f"IMP-{i:03d}" for i in range(1, 5)]):
        accepted = d.ok("inspect-receipt", lot, "--defects", "0")
        assert accepted["result"] == "accepted", accepted

    # ---- the program manager: the program, the move to pilot (signed), the pilot lot and its units
    d.login("pat")
    program = d.ok("program", "create", "PMP", "--part", "PMP-40", "--revision", "A", "--planned-total", "400",
                   "--frp-rate", "20")
    assert (program["phase"], program["part"]) == ("prototype", "PMP-40 rev A")
    # a phase policy changed for this contract: proposed by the program, applied once quality signs too
    assert d.refused("policy", "set", "PMP", "lrip", "customer_approval", "sometimes", "--reason", "contract")[1] == [
        "customer_approval must be one of none, critical, major_and_critical, not 'sometimes'"]
    proposal = d.ok("policy", "set", "PMP", "lrip", "customer_approval", "critical", "--reason",
                    "contract PMP-2026-04: the customer signs critical dispositions only")
    d.sign("policy", "sign", "PMP", str(proposal["number"]))
    code, reasons = d.refused("program", "phase", "PMP", "pilot", "--reason", "routing released")
    assert reasons == ["the move to PILOT still needs a program signature (a program manager)"], reasons
    gate = d.sign("program", "sign-phase", "PMP", "pilot")
    assert gate["ready"], gate
    assert d.ok("program", "phase", "PMP", "pilot", "--reason", "routing released")["phase"] == "pilot"
    assert d.ok("lot", "create", "PMP", "PMP-P1", "--quantity", "2")["phase"] == "pilot"
    units = d.ok("units", "create", "PMP-P1", "--count", "2", "--pattern", "PMP-{:04d}")
    assert units["serials"] == ["PMP-0001", "PMP-0002"]

    # ---- the operator builds the pilot units: operations, measurements with their gauges, material
    d.login("olga")
    for serial, impeller in (("PMP-0001", "IMP-001"), ("PMP-0002", "IMP-002")):
        build(d, serial, impeller)
    assert [u["status"] for u in d.ok("units", "PMP-P1")] == ["complete", "complete"]
    trace = d.ok("trace", "show", "PMP-0001")
    assert {(link["identifier"], link["operation"], link["quantity"]) for link in trace["root"]["links"]} == {
        ("CAST-0601", 10, 1), ("IMP-001", 20, 1), ("SCR-2211", 20, 6)}
    assert sorted(trace["suppliers"]) == ["CASTCO", "FASTEN", "IMPELL"]

    # ---- quality signs the policy change, which applies it
    d.login("quinn")
    assert d.sign("policy", "sign", "PMP", str(proposal["number"]))["status"] == "applied"
    lrip_policy = next(p for p in d.ok("policy", "show", "PMP")["policies"] if p["phase"] == "lrip")
    assert lrip_policy["customer_approval"] == "critical"

    # ---- the move to LRIP: refused with every unmet condition, then met one by one
    d.login("pat")
    code, reasons = d.refused("program", "phase", "PMP", "lrip", "--reason", "production readiness review passed")
    assert reasons == ["pilot lot PMP-P1 is still open; close it when its units are done",
                       "no LRIP quantity has been approved",
                       "the move to LRIP still needs a program signature (a program manager)",
                       "the move to LRIP still needs a quality signature (a quality engineer or an MRB member)"], reasons
    closed = d.ok("lot", "close", "PMP-P1", "--reason", "pilot build done")
    assert (closed["status"], closed["results"]) == ("closed", {"complete": 2})
    approved = d.sign("lrip-quantity", "set", "PMP", "40")
    assert (approved["quantity"], approved["signature"]["username"]) == (40, "pat")
    d.sign("program", "sign-phase", "PMP", "lrip")
    d.login("quinn")
    gate = d.sign("program", "sign-phase", "PMP", "lrip")
    assert gate["ready"] and all(c["met"] for c in gate["conditions"]), gate
    assert sorted(s["username"] for s in gate["signatures"]) == ["pat", "quinn"]
    d.login("pat")
    moved = d.ok("program", "phase", "PMP", "lrip", "--reason", "production readiness review passed")
    assert moved["phase"] == "lrip"

    # ---- LRIP lots: a lot past the approved quantity's reach cannot be filled past it
    d.ok("lot", "create", "PMP", "PMP-L1", "--quantity", "20")
    d.ok("lot", "create", "PMP", "PMP-L2", "--quantity", "20")
    d.ok("units", "create", "PMP-L1", "--count", "3", "--pattern", "PMP-{:04d}", "--start", "101")
    code, reasons = d.refused("units", "create", "PMP-L2", "--count", "38", "--pattern", "PMP-{:04d}", "--start", "201")
    assert "the program's approved LRIP quantity of 40 units has room for 37 more, not 38" in reasons, reasons
    d.login("olga")
    build(d, "PMP-0101", "IMP-003")

    # ---- the readiness evaluation, as the program manager
    d.login("pat")
    assessment = d.ok("readiness", "evaluate", "PMP")
    assert assessment["program"] == "PMP" and assessment["criteria"], assessment
    assert d.ok("program", "show", "PMP")["phase"] == "lrip"

    # ---- everyone above acted as themselves, and each step is in the audit trail
    d.login("quinn")
    done = d.audit()
    assert {("admin", "user.created"), ("mel", "part.created"), ("mel", "routing.released"),
            ("mel", "tool.calibrated"), ("mel", "qualification.granted"), ("sam", "supplier.created"),
            ("sam", "material_lot.received"), ("ines", "material_lot.inspected"), ("pat", "program.created"),
            ("pat", "program.phase_changed"), ("pat", "lot.created"), ("pat", "lot.closed"), ("pat", "unit.created"),
            ("olga", "operation.completed"), ("olga", "measurement.recorded"),
            ("pat", "readiness.assessed"), ("pat", "policy_change.proposed"),
            ("quinn", "policy.changed")} <= done, sorted(done)


def build(d: Desk, serial: str, impeller: str) -> None:
    """One pump through its three operations, with each result and the material the BOM asks for."""
    d.ok("op", "start", serial, "10", "--tool", "FX-10")
    d.ok("consume", serial, "10", "CAST-0601")
    # a gauge named at measurement must be a gauge of the characteristic's kind, in calibration
    code, reasons = d.refused("measure", serial, "BORE-D", "12.004", "--gauge", "MIC-2")
    assert reasons == ["MIC-2 is a micrometer; BORE-D Bore diameter is measured with a cmm"], reasons
    d.ok("measure", serial, "BORE-D", "12.004", "--gauge", "CMM-1")
    d.ok("measure", serial, "FACE-T", "8.01", "--gauge", "MIC-2")
    d.ok("measure", serial, "VIS-10", "pass")
    d.ok("op", "complete", serial, "10")
    d.ok("op", "start", serial, "20", "--tool", "TQ-5")
    d.ok("consume", serial, "20", impeller)
    d.ok("consume", serial, "20", "SCR-2211", "--qty", "6")
    d.ok("measure", serial, "TORQUE-C", "4.52")
    d.ok("op", "complete", serial, "20")
    d.ok("op", "start", serial, "30")
    d.ok("measure", serial, "FLOW", "2.1", "--gauge", "FLOW-1")
    d.ok("measure", serial, "LEAK", "pass")
    d.ok("op", "complete", serial, "30")


# ---------------------------------------------------------------- the README's walk, as written

README = Path(__file__).parents[1] / "README.md"
SECTION = "## Set up your own product"


def readme_commands(text: str) -> list[tuple[str, bool]]:
    """The `$ ` lines of the README's section, each with whether the README shows it refused."""
    section = text[text.index(SECTION):]
    section = section[:section.find("\n## ", 1)] if "\n## " in section[1:] else section
    lines = section.splitlines()
    return [(line[2:], i + 1 < len(lines) and lines[i + 1].startswith("Refused ("))
            for i, line in enumerate(lines) if line.startswith("$ ")]


def run_readme(commands: list[tuple[str, bool]], where: Path, monkeypatch) -> list[tuple[str, int, str]]:
    """Run the commands in `where` (a copy of the repository's examples beside a fresh directory), as a
    shell would: `mkdir D && cd D`, `echo WORDS | lrip …` (standard input), `lrip login admin` (the password
    `lrip init` printed, typed at the prompt). Returns each command, its exit code and what it printed."""
    import shlex
    import shutil

    shutil.copytree(EXAMPLE.parent.parent, where / "examples")
    monkeypatch.chdir(where)
    monkeypatch.setenv("LRIP_HOME", str(where / "home"))
    monkeypatch.setenv("COLUMNS", "110")
    for name in ("LRIP_TOKEN", "LRIP_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    done, admin_password = [], None
    for line, _ in commands:
        stdin = None
        if line.startswith("mkdir ") and " && cd " in line:
            folder = line.split(" && cd ")[1].strip()
            (Path.cwd() / folder).mkdir()
            monkeypatch.chdir(Path.cwd() / folder)
            done.append((line, 0, ""))
            continue
        if line.startswith("echo ") and " | " in line:
            said, line = line.split(" | ", 1)
            stdin = " ".join(shlex.split(said)[1:]) + "\n"
        words = shlex.split(line)
        assert words[0] == "lrip", line
        if words[1:] == ["login", "admin"]:
            stdin = admin_password + "\n"
        r = runner.invoke(app, words[1:], input=stdin)
        output = r.output
        if words[1:] == ["init"]:
            admin_password = output.split("write it down): ")[1].split()[0]
        done.append((line, r.exit_code, output))
    return done


def test_the_readme_walk_runs_as_written(tmp_path, monkeypatch):
    """Every command of the README's "Set up your own product", in order, in a fresh directory: each
    succeeds, except the ones the README shows refused, which are refused."""
    commands = readme_commands(README.read_text())
    assert len(commands) > 40 and commands[1][0] == "lrip init"
    ran = run_readme(commands, tmp_path, monkeypatch)
    wrong = [f"$ {line}\n{output}" for (line, refused), (_, code, output) in zip(commands, ran)
             if code != (2 if refused else 0)]
    assert wrong == []

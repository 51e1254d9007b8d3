"""Every command that changes something × every role, through the CLI: the same walk as the API's
(test_permissions_matrix.py), checked against the same permission table, because the service checks it.

A role the table allows is never refused `forbidden`; a role it does not allow always is, with exit
code 2 and nothing changed. Each command is listed with the use case it calls, whose permission is
read from the service itself; a command that is not listed fails the completeness test below."""
import inspect
import json
import shutil
from pathlib import Path

import pytest
from typer.main import get_command
from typer.testing import CliRunner

from factory import actor, build_line
from lrip.auth import service as auth
from lrip.auth.permissions import ROLES, allowed
from lrip.catalog import product
from lrip.catalog import service as catalog
from lrip.change import service as change
from lrip.cli import app
from lrip.db import unit_of_work
from lrip.execution import imports, service as execution
from lrip.inspection import first_article, plans
from lrip.nonconformance import capa, codes, mrb, ncr, scar
from lrip.program import service as program
from lrip.readiness import service as readiness
from lrip.auditing import service as auditing
from lrip.settings import service as settings
from lrip.supply import service as supply

runner = CliRunner()
EXAMPLE = str(Path(__file__).parents[2] / "examples" / "pmp-40" / "product.yaml")
PASSWORD_STDIN = "not-the-password\n"

WRITES = [  # (the command's words, its use case)
    (["user", "add", "newuser", "--name", "New User", "--role", "viewer"], auth.create_user),
    (["user", "disable", "olga"], auth.disable_user),
    (["user", "enable", "olga"], auth.enable_user),
    (["user", "lock", "olga", "--hours", "1"], auth.lock_user),
    (["user", "set-roles", "olga", "--role", "admin"], auth.set_roles),
    (["user", "passwd", "olga"], auth.set_password),
    (["token", "create", "{me}", "--name", "mine"], auth.create_token),
    (["token", "revoke", "999"], auth.revoke_token),
    (["lrip-quantity", "set", "ACT", "30"], program.set_lrip_quantity),
    (["program", "create", "NEW", "--part", "ACT-100", "--revision", "A", "--planned-total", "10", "--frp-rate", "1"],
     program.create_program),
    (["program", "sign-phase", "ACT", "frp"], program.sign_phase_change),
    (["program", "phase", "ACT", "frp", "--reason", "test"], program.change_phase),
    (["policy", "set", "ACT", "frp", "inspection", "all", "--reason", "test"], program.propose_policy_change),
    (["policy", "sign", "ACT", "1"], program.sign_policy_change),
    (["lot", "create", "ACT", "L-NEW", "--quantity", "1"], program.create_lot),
    (["lot", "close", "L1", "--reason", "test"], program.close_lot),
    (["plan", "set", "ACT", "--week", "2030-01-07", "--starts", "1"], program.plan_starts),
    (["plan", "import", "ACT", "{plan}"], program.set_ramp_plan),
    (["units", "create", "L1", "--count", "1", "--pattern", "SN-X{}"], execution.create_units),
    (["part", "add", "NEW-P", "--description", "x", "--tracking", "lot"], catalog.create_part),
    (["part", "revise", "ACT-100", "Z"], catalog.add_part_revision),
    (["part", "release", "ACT-100", "Z"], catalog.release_part),
    (["part", "obsolete", "ACT-100", "Z", "--reason", "test"], catalog.obsolete_part),
    (["bom", "add", "ACT-100", "A", "SCR-4", "--quantity", "1", "--operation", "10"], catalog.add_bom_line),
    (["bom", "remove", "ACT-100", "A", "SCR-4"], catalog.remove_bom_line),
    (["document", "add", "WI-NEW", "--title", "x"], catalog.create_document),
    (["document", "revise", "WI-10", "Z", "--file", EXAMPLE], catalog.add_document_revision),
    (["document", "edit", "WI-10", "Z", "--file", EXAMPLE], catalog.edit_document_revision),
    (["document", "release", "WI-10", "Z"], catalog.release_document_revision),
    (["document", "supersede", "WI-10", "A", "--reason", "test"], catalog.supersede_document),
    (["work-center", "add", "WC-NEW", "--name", "x", "--hours-per-day", "8"], catalog.create_work_center),
    (["tool", "add", "T-NEW", "--kind", "torque driver"], catalog.create_tool),
    (["tool", "calibrate", "TQ-1", "--due", "2031-01-01", "--certificate", "C-1"], catalog.calibrate_tool),
    (["qualification", "grant", "olga", "assembly", "--expires", "2031-01-01"], catalog.grant_qualification),
    (["qualification", "revoke", "oscar", "test", "--reason", "test"], catalog.revoke_qualification),
    (["routing", "create", "ACT-100", "A", "7"], catalog.create_routing),
    (["routing", "add-operation", "ACT-100", "A", "7", "10", "--name", "x", "--work-center", "ASSY", "--minutes", "1"],
     catalog.add_operation),
    (["routing", "add-characteristic", "ACT-100", "A", "7", "10", "NEW", "--name", "x", "--usl", "1"],
     catalog.add_characteristic),
    (["routing", "remove-characteristic", "ACT-100", "A", "7", "NEW"], catalog.remove_characteristic),
    (["routing", "release", "ACT-100", "A", "7"], catalog.release_routing_revision),
    (["routing", "remove-operation", "ACT-100", "A", "7", "10"], catalog.remove_operation),
    (["product", "import", EXAMPLE], product.import_product),
    (["product", "import-characteristics", "ACT-100", "A", "1", "{csv}"], product.import_characteristics),
    (["product", "import-bom", "ACT-100", "A", "{csv}"], product.import_bom),
    (["suppliers", "add", "SUP-NEW", "--name", "New supplier"], supply.create_supplier),
    (["suppliers", "status", "SUP-M", "conditional", "--reason", "late"], supply.set_supplier_status),
    (["suppliers", "approve-source", "SCR-4", "SUP-X"], supply.approve_source),
    (["suppliers", "aql", "--aql", "1.0"], supply.set_incoming_aql),
    (["po", "create", "PO-NEW", "--supplier", "SUP-M"], supply.create_purchase_order),
    (["po", "add-line", "PO-NEW", "SCR-4", "--quantity", "10", "--promised", "2030-01-01"], supply.add_order_line),
    (["receive", "PO-NEW", "1", "--quantity", "1"], supply.receive),
    (["inspect-receipt", "SCR-LOT-Q", "--defects", "0"], supply.inspect_receipt),
    (["unit", "add", "L1", "SN-NEW"], execution.create_unit),
    (["op", "start", "SN-1", "10"], execution.start_operation),
    (["op", "complete", "SN-1", "10"], execution.complete_operation),
    (["op", "pause", "SN-1", "10", "--reason", "test"], execution.pause_operation),
    (["op", "resume", "SN-1", "10"], execution.resume_operation),
    (["op", "handover", "SN-1", "10"], execution.hand_over_operation),
    (["op", "record", "SN-1", "10", "--tool", "TQ-1"], execution.record_operation),
    (["measure", "SN-1", "TORQUE", "-0.5"], execution.record_measurement),
    (["consume", "SN-1", "10", "M-001"], execution.consume),
    (["import", "measurements", "{csv}"], imports.import_measurements),
    (["disposition", "SN-1", "scrap", "--reason", "test"], mrb.disposition_unit),
    (["ncr", "raise", "--description", "test", "--severity", "minor", "--lot", "L1"], ncr.raise_ncr),
    (["ncr", "review", "NCR-000001", "scrap", "--reason", "test"], mrb.review),
    (["ncr", "sign", "NCR-000001"], mrb.sign_disposition),
    (["ncr", "disposition", "NCR-000001", "scrap"], mrb.disposition),
    (["ncr", "close", "NCR-000001", "--reason", "test"], mrb.close_ncr),
    (["ncr", "attach", "NCR-000001", "{csv}"], ncr.attach),
    (["capa", "open", "--title", "test"], capa.open_capa),
    (["capa", "update", "CAPA-0001", "--d1", "test"], capa.update_capa),
    (["capa", "action", "CAPA-0001", "--description", "d", "--owner", "admin", "--due", "2030-01-01"],
     capa.add_action),
    (["capa", "done", "CAPA-0001", "1"], capa.complete_action),
    (["capa", "verify", "CAPA-0001"], capa.verify_effectiveness),
    (["capa", "close", "CAPA-0001", "--reason", "test"], capa.close_capa),
    (["inspection", "plan", "set", "ACT", "30", "--class", "NOISE=minor"], plans.set_plan),
    (["inspection", "lot-result", "L1", "30", "--confirm"], plans.record_lot_result),
    (["ncr", "code", "add", "BURR", "--meaning", "Burr left on an edge"], codes.add_defect_code),
    (["ncr", "code", "change", "OTHER", "--meaning", "Other", "--reason", "test"], codes.change_defect_code),
    (["scar", "raise", "NCR-000001", "--request", "find the cause", "--due", "2030-01-01"], scar.raise_scar),
    (["scar", "respond", "SCAR-0001", "--response", "die replaced"], scar.record_response),
    (["scar", "verify", "SCAR-0001", "--note", "checked"], scar.verify_scar),
    (["settings", "set", "organization", "Plant 2", "--reason", "test"], settings.set_setting),
    (["inspection", "approve-reduced", "ACT", "30", "--reason", "test"], plans.approve_reduced),
    (["inspection", "corrective-action", "ACT", "30", "--reason", "test"], plans.record_corrective_action),
    (["fai", "create", "SN-1"], first_article.create_fai),
    (["fai", "complete", "FAI-0001"], first_article.complete_fai),
    (["fai", "sign", "FAI-0001"], first_article.sign_fai),
    (["fai", "require-delta", "ACT-100", "A", "--char", "NOISE", "--reason", "test"], first_article.owe_delta_fai),
    (["change", "create", "ACT", "--title", "t", "--reason", "r", "--description", "d", "--item", "tool:TQ-1"],
     change.create_change),
    (["change", "submit", "CR-0001"], change.submit_change),
    (["change", "sign", "CR-0001"], change.sign_change),
    (["change", "approve", "CR-0001"], change.approve_change),
    (["change", "implement", "CR-0001"], change.implement_change),
    (["change", "reject", "CR-0001", "--reason", "test"], change.reject_change),
    (["change", "cancel", "CR-0001", "--reason", "test"], change.cancel_change),
    (["redline", "add", "SN-1", "10", "--markup", "test"], change.record_redline),
    (["readiness", "evaluate", "ACT"], readiness.evaluate),
    (["readiness", "set-target", "ACT", "capability", "cpk_min", "1.5", "--reason", "test"], readiness.set_target),
    (["readiness", "waive", "ACT", "yield", "--condition", "c", "--reason", "r"], readiness.waive),
    (["readiness", "attest", "ACT", "funding", "--statement", "s", "--attachment", "{csv}"], readiness.attest),
    (["readiness", "sign", "ACT", "1"], readiness.sign_assessment),
    (["readiness", "sign-target", "ACT", "1"], readiness.sign_target),
    (["readiness", "sign-waiver", "ACT", "1"], readiness.sign_waiver),
    (["audit", "checkpoint"], auditing.checkpoint),
]
NOT_ACTIONS = {"login", "logout", "init", "demo", "serve", "readiness verify", "readiness report", "fai export",
               "sampling plan", "spc analyze", "label", "keys init", "keys show"}
"""Sign-in, the installation commands, and commands that read files or write a report but change no record."""


def _commands(group, path=()):
    """Every command under `group`, as click finds them (`lrip` loads an area's commands when asked for them)."""
    context = group.context_class(group)
    for name in group.list_commands(context):
        sub = group.get_command(context, name)
        if hasattr(sub, "list_commands"):
            yield from _commands(sub, (*path, name))
        else:
            yield " ".join((*path, name)), sub


def _writes_a_record(callback) -> bool:
    """A command that runs a read-only unit of work says so with write=False (terminal.run's keyword)."""
    return "write=False" not in inspect.getsource(callback)


def test_every_command_that_changes_something_is_walked():
    commands = dict(_commands(get_command(app)))
    listed = {max((name for name in commands if words[:len(name.split())] == name.split()), key=len)
              for words, _ in WRITES}
    changing = {name for name, cmd in commands.items()
                if name not in NOT_ACTIONS and _writes_a_record(cmd.callback)}
    assert changing - listed == set()


@pytest.fixture(scope="module")
def line(sqlite_template, tmp_path_factory):
    """The factory line with SN-1 in work at operation 10, and a user with an API token per role."""
    path = tmp_path_factory.mktemp("cli-walk") / "lrip.db"
    shutil.copy(sqlite_template, path)
    url = f"sqlite:///{path}"
    with unit_of_work(url) as session:
        build_line(session)
        admin = actor(session, "admin")
        execution.create_unit(session, admin, lot="L1", serial="SN-1")
        execution.start_operation(session, actor(session, "olga"), serial="SN-1", operation=10, tools=["TQ-1"])
        tokens = {}
        for role in ROLES:
            auth.create_user(session, admin, username=f"u_{role}", full_name=role, roles=[role])
            tokens[role] = auth.create_token(session, admin, username=f"u_{role}", name="walk").token
    csv = path.parent / "file.csv"
    csv.write_text("serial,operation,characteristic,value,recorded_at,operator,gauge\n")
    plan = path.parent / "plan.csv"
    plan.write_text("week,starts\n2030-01-14,2\n")
    return url, tokens, str(csv), str(plan)


@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_exactly_what_the_table_allows_through_the_cli(line, role):
    url, tokens, csv, plan = line
    wrong = []
    for words, use_case in WRITES:
        args = [w.replace("{csv}", csv).replace("{me}", f"u_{role}").replace("{plan}", plan) for w in words]
        result = runner.invoke(app, [*args, "--db", url, "--json"], input=PASSWORD_STDIN,
                               env={"LRIP_TOKEN": tokens[role], "LRIP_HOME": str(Path(url[10:]).parent / "home")})
        assert result.exit_code in (0, 2), f"{' '.join(args)}: {result.output}"
        answer = json.loads(_last_json(result.output))
        code = answer.get("error") if isinstance(answer, dict) else None
        if (code == "forbidden") == allowed([role], use_case.permission):
            wrong.append(f"{' '.join(words)} ({use_case.permission}): {code}")
    assert wrong == []


def _last_json(output: str) -> str:
    """The JSON document the command printed (a password prompt may come before it)."""
    starts = [i for i in (output.find("{"), output.find("[")) if i >= 0]
    return output[min(starts):]

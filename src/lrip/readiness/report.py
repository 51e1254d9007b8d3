"""The evidence package of a readiness assessment, and its verification.

One Jinja template gives report.html and, through WeasyPrint, report.pdf: a board document (the cover with
the signature block, a one-page executive summary, contents with page numbers, the criteria in their
order with numbered figures drawn once, for print, as vector (SVG) images, evidence named by identifier and
by the package's CSV files). Beside them: evidence.json (the frozen assessment, its signatures, the waivers and attestations
with what each signature signed), CSV extracts of the records used, the attestations' attachments, the
installation's public key and its certificate, and manifest.sha256 (sha256sum format) over every file.

The package proves itself with the installation key (lrip.keys), kept outside the database: the manifest
has a detached Ed25519 signature (manifest.sha256.sig, 64 raw bytes: `openssl pkeyutl -verify -rawin`
checks it too) and report.pdf a PAdES signature (lrip.readiness.signing), which pdfsig and PDF readers
show. `verify_package` needs no database: it checks the manifest's signature, the key against the one the
reviewer trusts, every file, the PDF's signature and what each e-signature was bound to, and names exactly
what does not match; `verify_recorded` checks besides that the package's assessment and audit-chain head
are the ones this database recorded.

Every record the package cites (the program, the assessment, each e-signature, waiver, attestation and target
change, each evidence record, each NCR, lot and key-characteristic value of the CSV files) is checked, when
the package is written, against the last state the audit trail gives it (`audit.unverified_records`): one that
differs is marked unverified where it is cited, in an `unverified` column of the CSV files, and named on the
cover and in the executive summary. That is the quick look; `lrip audit verify`, which walks the chain, is
the proof.
"""
from __future__ import annotations

import csv
import hashlib
import importlib
import io
import json
import logging
import re
import zipfile
from datetime import datetime
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lrip import audit, files as kept_files, keys
from lrip.auth.actor import Actor, command, query
from lrip.auth.rules import content_hash
from lrip.bulk import collector_spared
from lrip.catalog.models import Characteristic
from lrip.db import Base, utcnow
from lrip.execution.models import Measurement, Unit
from lrip.errors import Invalid, NotFound, Refused
from lrip.program.models import Lot, Program, RampPlanEntry
from lrip.readiness import criteria as rules
from lrip.readiness import service, signing
from lrip.readiness.figures import draw, drawing, shown, value_cited
from lrip.readiness.models import Assessment
from lrip.readiness.schemas import EvidencePackage, PackageCheck, PackageWritten

FORMAT = "lrip-evidence-3"  # 3: the record check (evidence.json record_check, the CSVs' unverified column)
MANIFEST = "manifest.sha256"
SIGNATURE = "manifest.sha256.sig"
PUBLIC_KEY = "installation.pub"
CERTIFICATE = signing.CERTIFICATE
UNLISTED = (MANIFEST, SIGNATURE)  # the manifest lists every other file
STATUS_WORDS = {"pass": "Pass", "fail": "Fail", "insufficient_data": "Not enough data", "waived": "Waived"}
VERDICT_WORDS = {"GO": "GO", "GO_WITH_CONDITIONS": "GO WITH CONDITIONS", "NO_GO": "NO-GO"}
_env = Environment(loader=FileSystemLoader(str(Path(__file__).parent / "templates")),
                   autoescape=select_autoescape(["html"]), extensions=["jinja2.ext.do"])


OWNERS = {"capability": "Quality engineering", "quality": "Quality (MRB)", "yield": "Manufacturing engineering",
          "workforce": "Production (operations)", "first_article": "Quality engineering",
          "design_stability": "Engineering (change board)", "documentation": "Manufacturing engineering",
          "supply_chain": "Supply chain", "capacity": "Manufacturing engineering", "learning": "Program management",
          "attestations": "Program management"}
"""Who in the plant closes a criterion's findings: the board asks the function, by name of the function."""
EVIDENCE_SHOWN = 24  # per criterion in the PDF; every record is in evidence.csv
FINDINGS_SHOWN = 5  # per criterion in "Open findings"; its section lists more
FINDINGS_LISTED = 10  # per criterion in its section; findings.csv has every one the assessment kept
_COMMAND = re.compile(r"\s*\((?:e\.g\. )?lrip [^)]*\)")


def board_text(text: str | None) -> str:
    """Text for a review board: the command-line hints the CLI and pages give ("(lrip ncr ...)") dropped."""
    return _COMMAND.sub("", text or "").strip()


_env.filters.update(shown=shown, board=board_text, status=lambda s: STATUS_WORDS.get(s, s),
                    verdict=lambda v: VERDICT_WORDS.get(v, v),
                    when=lambda iso: f"{datetime.fromisoformat(iso):%Y-%m-%d %H:%M} UTC" if iso else "")


# ---------------------------------------------------------------- gathering

def package_data(session: Session, actor: Actor, *, program: str, number: int | None = None,
                 frozen: tuple[Program, Assessment] | None = None) -> dict:
    """evidence.json: the frozen assessment as stored (`frozen`, when read already), with everything its
    signatures were bound to, and the audit chain's head as a checkpoint signed by the installation key (made
    now, kept in the database and beside the key)."""
    prog, a = frozen or service.frozen(session, program=program, number=number)
    signed, signatures = service.signed_decision(session, prog.code, a)
    made = audit.checkpoint(session, reason=f"evidence package of {prog.code} readiness assessment {a.number}")
    evidence = {"format": FORMAT, "program": prog.code, "generated_at": utcnow().isoformat(),
                "assessment": a.snapshot, "snapshot_sha256": a.snapshot_sha256, "signed_content": signed,
                "signatures": signatures,
                "waivers": [w.model_dump(mode="json") for w in service.list_waivers(session, actor, program=prog.code)],
                "target_changes": [t.model_dump(mode="json")
                                   for t in service.list_target_changes(session, actor, program=prog.code)],
                "attestations": [t.model_dump(mode="json")
                                 for t in service.list_attestations(session, actor, program=prog.code)],
                "audit_head": {"seq": made.seq, "hash": made.hash},
                "frp_start": _frp_start(session, prog.id),
                "checkpoint": {"seq": made.seq, "hash": made.hash, "at": made.at.isoformat(), "reason": made.reason,
                               "database": made.database, "key": made.key, "signature": made.signature},
                "signing": {"algorithm": "Ed25519", "public_key": PUBLIC_KEY, "certificate": CERTIFICATE,
                            "public_key_sha256": keys.public_fingerprint()}}
    evidence["record_check"] = record_check(session, evidence, program_id=prog.id, assessment_id=a.id)
    return evidence


def _frp_start(session: Session, program_id: int) -> str | None:
    """The first FRP period of the ramp plan: what a blocking finding must be closed before."""
    found = session.execute(select(func.min(RampPlanEntry.period_start)).where(
        RampPlanEntry.program_id == program_id, RampPlanEntry.phase == "frp")).scalar_one_or_none()
    return found.isoformat() if found else None


# ---------------------------------------------------------------- the record check

TABLES = {"program": "program", "assessment": "readiness_assessment", "signature": "signature",
          "waiver": "readiness_waiver", "attestation": "readiness_attestation",
          "target_change": "readiness_target_change", "unit": "unit", "lot": "lot", "ncr": "ncr", "capa": "capa",
          "change": "change_request", "fai": "first_article", "material_lot": "material_lot",
          "measurement": "measurement"}
"""The kinds of record a package cites (evidence kinds, and its own) that the audit trail states: their tables."""
CHECKED_AT_ONCE = 2000  # records per audit.unverified_records call: its IN lists stay within every driver's limits


def _citations(evidence: dict) -> set[tuple[str, str]]:
    """Every (kind, identifier) the package cites: on the cover, in its tables and evidence lists, in its CSVs."""
    a, charts = evidence["assessment"], {c["id"]: c.get("charts") or {} for c in evidence["assessment"]["criteria"]}
    cited = {("program", evidence["program"]), ("assessment", str(a["assessment"]))}
    cited |= {(e["kind"], e["id"]) for c in a["criteria"] for e in c["evidence"]}
    for kind in ("waivers", "attestations", "target_changes"):
        for r in evidence[kind]:
            cited.add((kind[:-1], str(r["id"])))
            cited |= {("signature", str(s["id"])) for s in r["signatures"]}
    cited |= {("signature", str(s["id"])) for s in evidence["signatures"]}
    cited |= {("target_change", str(t["id"])) for t in a.get("target_changes") or []}
    cited |= {("ncr", n["number"]) for n in charts.get("quality", {}).get("ncrs") or []}
    cited |= {("lot", r["lot"]) for r in charts.get("yield", {}).get("yield_by_lot") or []}
    cited |= {("measurement", value_cited(p)) for p in _points(charts)}
    return cited


def _rows_cited(session: Session, cited: set[tuple[str, str]], *, program_id: int, assessment_id: int
                ) -> dict[tuple[str, int], list[tuple[str, str]]]:
    """The audited rows behind the citations ((table, id) → the citations): by the name column the audit
    trail names each table's rows by, else by id; a key-characteristic value is every result of that
    characteristic recorded on that LRIP unit."""
    by_kind: dict[str, set[str]] = {}
    for kind, ident in cited:
        if kind in TABLES:
            by_kind.setdefault(kind, set()).add(ident)
    rows: dict[tuple[str, int], list[tuple[str, str]]] = {}

    def add(kind: str, ident: str, key: int) -> None:
        rows.setdefault((TABLES[kind], key), []).append((kind, ident))

    for kind, idents in by_kind.items():
        table = TABLES[kind]
        if kind == "program":
            add(kind, next(iter(idents)), program_id)
        elif kind == "assessment":
            add(kind, next(iter(idents)), assessment_id)
        elif kind == "measurement":
            for key, code, serial in session.execute(
                    select(Measurement.id, Characteristic.code, Unit.serial)
                    .join(Characteristic, Measurement.characteristic_id == Characteristic.id)
                    .join(Unit, Measurement.unit_id == Unit.id).join(Lot, Unit.lot_id == Lot.id)
                    .where(Lot.program_id == program_id, Lot.phase == "lrip",
                           Characteristic.code.in_(sorted({i.split(" ", 1)[0] for i in idents})))):
                if f"{code} {serial}" in idents:
                    add(kind, f"{code} {serial}", key)
        elif (label := audit.RECORDS.get(table, (None, None))[1]) is not None:
            t = Base.metadata.tables[table]
            named = {i.lower(): i for i in idents}
            found = session.execute(select(t.c.id, t.c[label]).where(func.lower(t.c[label]).in_(sorted(named))))
            for key, name in found:
                add(kind, named[name.lower()], key)
        else:
            for ident in idents:
                if ident.isdigit():
                    add(kind, ident, int(ident))
    return rows


def record_check(session: Session, evidence: dict, *, program_id: int, assessment_id: int) -> dict:
    """The records the package cites checked against their last state in the audit trail: how many, and each
    one that differs ({record, table, id, cited_as: [[kind, identifier], …]}), as evidence.json keeps it."""
    rows = _rows_cited(session, _citations(evidence), program_id=program_id, assessment_id=assessment_id)
    keys_ = sorted(rows)
    failing = []
    for start in range(0, len(keys_), CHECKED_AT_ONCE):
        wanted: dict[str, list[int]] = {}
        for table, key in keys_[start:start + CHECKED_AT_ONCE]:
            wanted.setdefault(table, []).append(key)
        failing += audit.unverified_records(session, wanted)
    return {"checked": len(rows), "unverified": [
        {"record": u.words, "table": u.record_type, "id": u.id,
         "cited_as": [list(c) for c in sorted(rows[(u.record_type, u.id)])]} for u in failing]}


def named(unverified: dict) -> str:
    """A record that failed the check as the summary names it: a key-characteristic value with what it is of."""
    values = [ident for kind, ident in unverified["cited_as"] if kind == "measurement"]
    return unverified["record"] + (f" ({', '.join(values)})" if values else "")


def unverified_marks(evidence: dict) -> dict[tuple[str, str], str]:
    """(kind, identifier) as the package cites it → the records behind it that failed the record check."""
    marks: dict[tuple[str, str], list[str]] = {}
    for u in evidence["record_check"]["unverified"]:
        for kind, ident in u["cited_as"]:
            marks.setdefault((kind, ident), []).append(u["record"])
    return {cited: ", ".join(records) for cited, records in marks.items()}


def _attachments(session: Session, actor: Actor, program: str, attestations: list[dict]) -> dict[str, bytes]:
    files = {}
    for a in attestations:
        found = service.attestation_file(session, actor, program=program, attestation=a["id"])
        files[_attachment_path(a)] = found.content
    return files


def _attachment_path(attestation: dict) -> str:
    return f"attachments/{attestation['id']}-{kept_files.safe_name(attestation['attachment'])}"


# ---------------------------------------------------------------- writing

def _in_order(criteria: list[dict]) -> list[dict]:
    return sorted(criteria, key=lambda c: c["number"])


def figures(evidence: dict, drawn: dict[str, list[dict]] | None = None) -> dict[str, list[dict]]:
    """Each criterion's figures (criterion id → figures), numbered in the report's order, each with the values
    it draws that failed the record check: the ones given (`figures.drawing`'s), else drawn here. Drawn once,
    for report.html and report.pdf alike (one HTML)."""
    a, marks = evidence["assessment"], unverified_marks(evidence)
    drawn = draw(a) if drawn is None else drawn
    number = 0
    for c in _in_order(a["criteria"]):
        for ch in drawn[c["id"]]:
            number += 1
            ch["number"] = number
            ch["unverified"] = [f"{value} ({marks[('measurement', value)]})" for value in ch.pop("values")
                                if ("measurement", value) in marks]
    return drawn


def render_html(evidence: dict, drawn: dict[str, list[dict]] | None = None) -> str:
    """The report as HTML (WeasyPrint prints it), with the figures `figures()` drew (none given: no figures,
    the benchmark's baseline)."""
    a, marks = evidence["assessment"], unverified_marks(evidence)
    criteria = []
    for c in _in_order(a["criteria"]):
        evidence_rows = c["evidence"]
        criteria.append({**c, "drawn": (drawn or {}).get(c["id"], []),
                         "how_to_close": board_text(rules.BY_ID[c["id"]].how_to_close),
                         "owner": OWNERS.get(c["id"], "Program management"),
                         "evidence_shown": evidence_rows[:EVIDENCE_SHOWN],
                         "evidence_more": max(0, len(evidence_rows) - EVIDENCE_SHOWN)})
    by_id = {c["id"]: c for c in criteria}
    blocking = [{**f, "number": by_id[f["criterion"]]["number"], "owner": by_id[f["criterion"]]["owner"],
                 "status": by_id[f["criterion"]]["status"]}
                for f in a["findings"] if f["kind"] == "blocking" and f["criterion"] in by_id]
    conditions = [f for f in a["findings"] if f["kind"] == "condition"]
    return _env.get_template("report.html").render(
        e=evidence, a=a, criteria=criteria, blocking=sorted(blocking, key=lambda f: f["number"]),
        conditions=conditions, due=evidence.get("frp_start"), findings_shown=FINDINGS_SHOWN,
        findings_listed=FINDINGS_LISTED,
        marked=lambda kind, ident: marks.get((kind, str(ident))),
        failed_check=[named(u) for u in evidence["record_check"]["unverified"]],
        changes=sorted(a.get("changes") or [], key=lambda c: by_id[c["id"]]["number"] if c["id"] in by_id else 99))


def _csv(rows: list[dict], columns: list[str]) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: json.dumps(v) if isinstance(v, (list, dict)) else v for k, v in row.items()})
    return buffer.getvalue().encode()


def _points(charts: dict[str, dict]) -> list[dict]:
    """Every key-characteristic value the capability study charted, by serial (key_characteristics.csv)."""
    return [{"characteristic": c["characteristic"], "serial": serial, "value": value, "lsl": c.get("lsl"),
             "usl": c.get("usl")}
            for c in charts.get("capability", {}).get("characteristics", [])
            for serial, value in zip(c.get("labels") or [], c.get("points") or [])]


def extracts(evidence: dict) -> dict[str, bytes]:
    """CSV extracts of the records the assessment used; `unverified` names the records behind a row that
    failed the record check when the package was written (empty when none did)."""
    a, marks = evidence["assessment"], unverified_marks(evidence)

    def marked(rows: list[dict], kind: str, ident) -> list[dict]:
        return [r | {"unverified": marks.get((kind, ident(r)), "")} for r in rows]

    files = {
        "criteria.csv": _csv(a["criteria"], ["number", "id", "title", "group", "status", "value", "target", "message"]),
        "findings.csv": _csv([{"criterion": f["criterion"], "kind": f["kind"], "finding": text}
                              for f in a["findings"] for text in (f["findings"] or [f["text"]])],
                             ["criterion", "kind", "finding"]),
        "evidence.csv": _csv([{"criterion": c["id"], **e, "unverified": marks.get((e["kind"], e["id"]), "")}
                              for c in _in_order(a["criteria"]) for e in c["evidence"]],
                             ["criterion", "kind", "id", "note", "unverified"]),
    }
    by_id = {c["id"]: c.get("charts") or {} for c in a["criteria"]}
    points = _points(by_id)
    if points:
        files["key_characteristics.csv"] = _csv(marked(points, "measurement", value_cited),
                                                ["characteristic", "serial", "value", "lsl", "usl", "unverified"])
    if by_id.get("quality", {}).get("ncrs"):
        ncrs = by_id["quality"]["ncrs"]
        files["ncrs.csv"] = _csv(marked(ncrs, "ncr", lambda n: n["number"]), [*ncrs[0], "unverified"])
    if by_id.get("yield", {}).get("yield_by_lot"):
        files["yield_by_lot.csv"] = _csv(marked(by_id["yield"]["yield_by_lot"], "lot", lambda r: r["lot"]),
                                         ["lot", "fpy", "rty", "unverified"])
    if by_id.get("supply_chain", {}).get("suppliers"):
        rows = by_id["supply_chain"]["suppliers"]
        files["suppliers.csv"] = _csv(rows, [k for k in rows[0] if k != "periods"])
    return files


def _pdf(html: str) -> bytes:
    from weasyprint import HTML  # loads Pango: only when a package is written, not for every command

    logging.getLogger("fontTools").setLevel(logging.ERROR)
    return HTML(string=html, base_url=".").write_pdf()


def manifest_of(files: dict[str, bytes]) -> bytes:
    """sha256sum's format: `sha256sum -c manifest.sha256` checks the files too."""
    return "".join(f"{hashlib.sha256(content).hexdigest()}  {name}\n" for name, content in sorted(files.items())
                   if name not in UNLISTED).encode()


def sign_files(files: dict[str, bytes], *, reason: str) -> dict[str, bytes]:
    """The package's files signed by the installation key: report.pdf with a PAdES signature, the public key
    and its certificate added, then the manifest and its detached signature."""
    signed = files | {"report.pdf": signing.sign_pdf(files["report.pdf"], reason=reason),
                      PUBLIC_KEY: keys.public_pem(), CERTIFICATE: signing.certificate_pem(signing.certificate())}
    manifest = manifest_of(signed)
    return signed | {MANIFEST: manifest, SIGNATURE: keys.sign(manifest)}


def build_files(session: Session, actor: Actor, *, program: str, number: int | None = None, progress=None
                ) -> tuple[dict, dict[str, bytes]]:
    """Every file of the package (name → bytes), signed. `progress(done, total, what)` is told at each step
    (the CLI's progress bar): reading the assessment, drawing the figures, laying out the PDF, signing. The
    figures are drawn while the rest of the evidence is read and its files written (`figures.drawing`)."""
    def told(done: int, what: str) -> None:
        if progress:
            progress(done, 4, what)

    with collector_spared():
        told(0, "Reading the assessment")
        frozen = service.frozen(session, program=program, number=number)
        with drawing(frozen[1].snapshot) as drawn:
            evidence = package_data(session, actor, program=program, number=number, frozen=frozen)
            told(1, "Drawing the figures")
            files = {"evidence.json": json.dumps(evidence, indent=2, ensure_ascii=False, sort_keys=True).encode(),
                     **extracts(evidence), **_attachments(session, actor, evidence["program"], evidence["attestations"])}
            importlib.import_module("weasyprint")  # and Pango with it, while the figures are drawn beside
            html = render_html(evidence, figures(evidence, drawn()))
        told(2, "Laying out report.pdf")
        files |= {"report.html": html.encode(), "report.pdf": _pdf(html)}
        told(3, "Signing the package")
        a = evidence["assessment"]
        reason = (f"Evidence package of {a['program']} readiness assessment {a['assessment']} "
                  f"({VERDICT_WORDS[a['verdict']]})")
        signed = sign_files(files, reason=reason)
    told(4, "Written")
    return evidence, signed


@command("read")
def write_package(session: Session, actor: Actor, *, program: str, out: Path, number: int | None = None,
                  progress=None) -> PackageWritten:
    """Write the evidence package of an assessment (the latest by default) into `out` (created if needed)."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise Invalid("report_invalid", f"{out} exists and is not a directory")
    evidence, files = build_files(session, actor, program=program, number=number, progress=progress)
    for name, content in files.items():
        path = out / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    a = evidence["assessment"]
    return PackageWritten(program=evidence["program"], assessment=a["assessment"], verdict=a["verdict"],
                          directory=str(out), files=sorted(files),
                          manifest_sha256=hashlib.sha256(files[MANIFEST]).hexdigest(),
                          key_fingerprint=evidence["signing"]["public_key_sha256"],
                          checkpoint=evidence["checkpoint"]["seq"],
                          unverified=[named(u) for u in evidence["record_check"]["unverified"]])


@command("read")
def evidence_package(session: Session, actor: Actor, *, program: str, number: int | None = None) -> EvidencePackage:
    """The evidence package of an assessment (the latest by default) as one zip: the download button."""
    evidence, files = build_files(session, actor, program=program, number=number)
    number = evidence["assessment"]["assessment"]
    folder = f"{evidence['program']}-readiness-{number}"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        for name, content in sorted(files.items()):
            z.writestr(f"{folder}/{name}", content)
    return EvidencePackage(name=f"{folder}.zip", assessment=number, content=buffer.getvalue())


# ---------------------------------------------------------------- verifying

def _check_signatures(what: str, content: dict, signatures: list[dict]) -> tuple[int, list[str]]:
    digest = content_hash(content)
    problems = [f"{what}: the signature of {s['name']} ({s['meaning']}, {s['signed_at'][:16]}) was bound to "
                f"content {s['content_hash'][:12]}…, but the content in evidence.json hashes to {digest[:12]}…"
                for s in signatures if s["content_hash"] != digest]
    return len(signatures), problems


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None


def _key_problems(directory: Path, manifest: bytes, trusted: str | None) -> tuple[Ed25519PublicKey | None, str | None,
                                                                                     list[str]]:
    """The package's public key and its fingerprint, and every reason the manifest's signature does not show the
    manifest as that key signed it, or the key is not the `trusted` one (a fingerprint)."""
    pem, signature = _read(directory / PUBLIC_KEY), _read(directory / SIGNATURE)
    if pem is None:
        return None, None, [f"{PUBLIC_KEY} is missing: nothing to check the package's signatures with"]
    try:
        key = keys.load_public_pem(pem)
    except (ValueError, Refused):
        return None, None, [f"{PUBLIC_KEY} is not an Ed25519 public key"]
    fingerprint, problems = keys.fingerprint(key), []
    if trusted is not None and fingerprint != trusted.lower():
        problems.append(f"{PUBLIC_KEY}: the package is signed by key {fingerprint[:16]}…, not by the trusted "
                        f"installation key {trusted.lower()[:16]}… (the key was swapped)")
    if signature is None:
        problems.append(f"{SIGNATURE} is missing: the manifest is not signed")
    elif not keys.verify(key, signature, manifest):
        problems.append(f"{MANIFEST}: does not match its signature ({SIGNATURE}): it was changed or re-hashed "
                        "after the package was signed")
    return key, fingerprint, problems


def _file_problems(directory: Path, manifest: bytes) -> tuple[int, list[str]]:
    """Every file against the manifest: changed, missing, or added."""
    listed, problems = {}, []
    for line_no, line in enumerate(manifest.decode("utf-8", "replace").splitlines(), start=1):
        digest, sep, name = line.partition("  ")
        if not sep or not re.fullmatch(r"[0-9a-f]{64}", digest):
            problems.append(f"{MANIFEST} line {line_no} is not '<sha256>  <file>'")
            continue
        listed[name] = digest
    for name, digest in sorted(listed.items()):
        path = directory / name
        if not path.is_file():
            problems.append(f"{name}: listed in the manifest but missing")
        elif hashlib.sha256(path.read_bytes()).hexdigest() != digest:
            problems.append(f"{name}: changed since the package was written (its SHA-256 differs from the manifest)")
    for path in sorted(p for p in directory.rglob("*") if p.is_file()):
        name = path.relative_to(directory).as_posix()
        if name not in UNLISTED and name not in listed:
            problems.append(f"{name}: not in the manifest (added after the package was written)")
    return len(listed), problems


def _evidence_problems(directory: Path, evidence: dict) -> tuple[int, list[str]]:
    """Every e-signature against the content it was bound to, and the assessment against its snapshot hash."""
    a, program, problems, signatures = evidence["assessment"], evidence["program"], [], 0
    if content_hash(a) != evidence["snapshot_sha256"]:
        problems.append(f"evidence.json: assessment {a.get('assessment')} does not hash to its recorded "
                        "snapshot SHA-256: the assessment was altered")
    signed = evidence["signed_content"]
    if signed.get("snapshot_sha256") != evidence["snapshot_sha256"] or signed.get("verdict") != a.get("verdict"):
        problems.append("evidence.json: the signed decision names a different snapshot or verdict than the "
                        "assessment in the package")
    checks = [(f"assessment {a.get('assessment')} decision", signed, evidence["signatures"])]
    checks += [(f"waiver {w['id']} ({w['criterion']})", w["content"], w["signatures"]) for w in evidence["waivers"]]
    checks += [(f"attestation {t['id']} ({t['topic']})", t["content"], t["signatures"])
               for t in evidence["attestations"]]
    checks += [(f"target change {t['id']} ({t['criterion']}.{t['name']})", t["content"], t["signatures"])
               for t in evidence.get("target_changes", [])]
    for what, content, given in checks:
        n, found = _check_signatures(what, content, given)
        signatures += n
        problems += found
    for t in evidence["attestations"]:
        path = directory / _attachment_path(t)
        if path.is_file() and hashlib.sha256(path.read_bytes()).hexdigest() != t["attachment_sha256"]:
            problems.append(f"{_attachment_path(t)}: does not match the SHA-256 the attestation signed")
    if program != a.get("program"):
        problems.append(f"evidence.json: the package is for {program} but the assessment is of {a.get('program')}")
    return signatures, problems


def _checkpoint_problems(evidence: dict, key: Ed25519PublicKey | None) -> list[str]:
    """The package's audit checkpoint: signed by the package's key, at the head the package names."""
    c = evidence.get("checkpoint")
    if not isinstance(c, dict):
        return ["evidence.json carries no signed audit checkpoint"]
    made = audit.Checkpoint(int(c["seq"]), c["hash"], datetime.fromisoformat(c["at"]), c["reason"], c["database"],
                            c["key"], c["signature"])
    problems = []
    if key is not None and not made.signed_by(key):
        problems.append(f"evidence.json: the audit checkpoint at event {made.seq} is not signed by {PUBLIC_KEY}")
    if evidence["audit_head"] != {"seq": made.seq, "hash": made.hash}:
        problems.append("evidence.json: the audit chain head differs from the signed checkpoint's")
    return problems


def trusted_fingerprint(given: str | None) -> tuple[str | None, str | None]:
    """The fingerprint a package's key must have, and where it comes from: the one the reviewer gives, else
    this installation's key when there is one here; (None, None) when there is nothing to compare with."""
    if given:
        return given.strip().lower(), "the fingerprint given"
    if keys.exists():
        return keys.public_fingerprint(), "this installation's key"
    return None, None


def verify_package(directory: Path, *, fingerprint: str | None = None) -> PackageCheck:
    """The manifest's signature and key, every file against the manifest, report.pdf's signature, and every
    e-signature against the content it signed. Needs no database, so no one signed in: anyone given the
    package (and the installation key's fingerprint, apart from it) can check it."""
    return _verify(Path(directory), fingerprint)[0]


def _verify(directory: Path, fingerprint: str | None) -> tuple[PackageCheck, dict | None]:
    manifest = _read(directory / MANIFEST)
    if manifest is None:
        missing = PackageCheck(ok=False, files=0, signatures=0, problems=[f"{MANIFEST} is missing from {directory}"])
        return missing, None
    trusted, trusted_by = trusted_fingerprint(fingerprint)
    key, key_fingerprint, problems = _key_problems(directory, manifest, trusted)
    files, found = _file_problems(directory, manifest)
    problems += found
    pdf = _read(directory / "report.pdf")
    problems += ["report.pdf is missing"] if pdf is None else signing.pdf_problems("report.pdf", pdf, key)
    signatures, evidence = 0, None
    try:
        evidence = json.loads((directory / "evidence.json").read_text(encoding="utf-8"))
        signatures, found = _evidence_problems(directory, evidence)
        problems += found + _checkpoint_problems(evidence, key)
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        problems.append(f"evidence.json cannot be read as an evidence package: {exc!r}")
        evidence = None
    check = PackageCheck(ok=not problems, files=files, signatures=signatures, problems=problems,
                         key_fingerprint=key_fingerprint, key_checked_against=trusted_by,
                         program=evidence["program"] if evidence else None,
                         assessment=evidence["assessment"]["assessment"] if evidence else None,
                         unverified=_marked_unverified(evidence))
    return check, evidence


def _marked_unverified(evidence: dict | None) -> list[str]:
    """The records a package marks as having failed the record check (a package before format 3 has none)."""
    try:
        return [named(u) for u in (evidence or {}).get("record_check", {}).get("unverified", [])]
    except (KeyError, TypeError, AttributeError):
        return []


def recorded_problems(session: Session, evidence: dict) -> list[str]:
    """Whether the package's assessment and audit-chain head are the ones this database recorded."""
    program, number = evidence["program"], evidence["assessment"]["assessment"]
    try:
        prog, problems = service.get_program(session, program), []
    except NotFound:
        return [f"evidence.json: there is no program {program} in this database: the package is of another one"]
    recorded = session.execute(select(Assessment).filter_by(program_id=prog.id, number=number)).scalar_one_or_none()
    if recorded is None:
        problems.append(f"evidence.json: {program} has no assessment {number} in this database: the package is "
                        "of another assessment")
    elif recorded.snapshot_sha256 != evidence["snapshot_sha256"]:
        problems.append(f"evidence.json: assessment {number} of {program} is recorded with snapshot "
                        f"{recorded.snapshot_sha256[:16]}…, the package's is {evidence['snapshot_sha256'][:16]}…: "
                        "the package is of another assessment")
    head, c = evidence["audit_head"], evidence["checkpoint"]
    event = session.execute(select(audit.AuditEvent).where(audit.AuditEvent.seq == head["seq"])).scalar_one_or_none() \
        if head["seq"] else None  # by seq: on PostgreSQL a rolled-back event still used up its id
    if head["seq"] and (event is None or event.hash != head["hash"]):
        problems.append(f"evidence.json: the audit chain head of the package (event {head['seq']}, "
                        f"{head['hash'][:16]}…) is not this database's event {head['seq']}"
                        f"{f' ({event.hash[:16]}…)' if event else ' (there is none)'}")
    if session.execute(select(audit.AuditCheckpoint.id).filter_by(seq=c["seq"], hash=c["hash"],
                                                                  signature=c["signature"])).first() is None:
        problems.append(f"evidence.json: the package's signed checkpoint (event {c['seq']}, {c['at'][:16]}) is not "
                        "one this database recorded")
    return problems


@query("read")
def verify_recorded(session: Session, actor: Actor, *, directory: Path, fingerprint: str | None = None
                    ) -> PackageCheck:
    """`verify_package`, and besides it that the package's assessment and audit-chain head are the ones this
    database recorded."""
    check, evidence = _verify(Path(directory), fingerprint)
    try:
        problems = recorded_problems(session, evidence) if evidence else []
    except (KeyError, TypeError) as exc:
        problems = [f"evidence.json cannot be compared with this database: it lacks {exc}"]
    return check.model_copy(update={"ok": check.ok and not problems, "problems": check.problems + problems,
                                    "recorded": not problems})

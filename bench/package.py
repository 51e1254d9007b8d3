"""Signing and verifying an evidence package, beside a plain SHA-256 pass over the same bytes.

Two made-up packages, in the shape of a real one, so that no demo database is needed (a report.pdf laid out
by WeasyPrint with a cover, tables and an SVG chart on every page, report.html, evidence.json, CSV extracts,
the attestations' attachments): a small one, and one whose four attestations each carry the largest
attachment lrip keeps (5 MB of PDF). And, given its directory, a package `lrip readiness report` wrote
(`python -m bench.package DIR`; e.g. of a 2,000-unit demo: `lrip demo --units 2000`, `lrip readiness
evaluate ACT-200`, `lrip readiness report ACT-200 --out DIR`), taken as it was before it was signed.

Signing is `report.sign_files` (the PAdES signature of report.pdf by pyHanko, the public key and the
certificate, the manifest and its Ed25519 signature) and writing the files; verifying is
`report.verify_package` (the manifest's signature, every file against it, the PDF's signature, every
e-signature and the assessment against its snapshot hash). The baseline reads every file of the signed
package and hashes it with SHA-256 once, as `sha256sum -c manifest.sha256` would. Signing is timed with the
signer already made (a server signing its second package); the first signature with a key in a process
(the certificate and key parsed, the signer made) is a row of its own. Where the time goes
is printed step by step, beside the same baseline.

Each figure is the best of `repeat` runs in CPU milliseconds of the thread doing the work (all of it runs on
that thread; the process's CPU time would count the threads WeasyPrint's libraries leave running after the
made-up PDFs are laid out), with the best wall-clock time in brackets; the ratio is of CPU times, which other
work on a shared machine disturbs least.
"""
import hashlib
import io
import json
import os
import random
import shutil
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

from lrip import audit, keys
from lrip.auth.rules import content_hash
from lrip.readiness import report, signing
from lrip.readiness.criteria import MAX_ATTACHMENT

PAGES = 40


def _html(pages: int) -> str:
    rng = random.Random(7)
    points = " ".join(f"{x * 6},{100 - rng.random() * 80:.1f}" for x in range(100))
    chart = (f'<svg viewBox="0 0 600 100" width="600" height="100"><polyline points="{points}" fill="none" '
             'stroke="#1f5f8b"/></svg>')
    rows = "".join(f"<tr><td>SN-{i:05d}</td><td>{rng.gauss(2.0, 0.05):.4f}</td><td>pass</td></tr>" for i in range(40))
    page = f"<section style='page-break-after: always'><h2>Criterion</h2>{chart}<table>{rows}</table></section>"
    return f"<html><body><h1>ACT-200 readiness assessment</h1>{page * pages}</body></html>"


def unsigned_files(attachments: int, attachment_bytes: int) -> dict[str, bytes]:
    """The files of a made-up package, before it is signed."""
    # WeasyPrint loads Pango: only when the benchmark runs
    from weasyprint import HTML

    html = _html(PAGES)
    assessment = {"program": "ACT-200", "assessment": 1, "verdict": "GO_WITH_CONDITIONS",
                  "criteria": [{"id": f"c{i}", "values": list(range(2000))} for i in range(11)]}
    signed = {"program": "ACT-200", "assessment": 1, "verdict": "GO_WITH_CONDITIONS",
              "snapshot_sha256": content_hash(assessment)}
    evidence = {"format": report.FORMAT, "program": "ACT-200", "assessment": assessment,
                "snapshot_sha256": content_hash(assessment), "signed_content": signed, "signatures": [],
                "waivers": [], "attestations": [], "audit_head": {"seq": 1, "hash": "0" * 64},
                "checkpoint": _checkpoint(1, "0" * 64)}
    files = {"report.html": html.encode(), "report.pdf": HTML(string=html).write_pdf(),
             "evidence.json": json.dumps(evidence, indent=2).encode()}
    files |= {f"extract-{i}.csv": "".join(f"SN-{r:05d},{r * 0.001:.3f},pass\n" for r in range(20_000)).encode()
              for i in range(4)}
    files |= {f"attachments/{i}-plan.pdf": b"%PDF-1.7\n" + os.urandom(attachment_bytes) for i in range(attachments)}
    return files


def written_files(directory: Path) -> dict[str, bytes]:
    """The files of a package `lrip readiness report` wrote, as they were before it was signed: report.pdf as
    WeasyPrint laid it out (without the incremental update that signs it), evidence.json's audit checkpoint
    signed again by this run's key (so that the package verifies), no manifest, signature, key or certificate."""
    from pyhanko.pdf_utils.reader import PdfFileReader

    files = {p.relative_to(directory).as_posix(): p.read_bytes() for p in directory.rglob("*") if p.is_file()}
    for name in (*report.UNLISTED, report.PUBLIC_KEY, report.CERTIFICATE):
        files.pop(name, None)
    pdf = files["report.pdf"]
    signed_from = PdfFileReader(io.BytesIO(pdf)).embedded_signatures[-1].byte_range[1]
    files["report.pdf"] = pdf[:pdf.index(b"\n", pdf.rfind(b"%%EOF", 0, signed_from)) + 1]  # the revision signed
    assert not PdfFileReader(io.BytesIO(files["report.pdf"])).embedded_signatures
    evidence = json.loads(files["evidence.json"])
    evidence["checkpoint"] = _checkpoint(evidence["audit_head"]["seq"], evidence["audit_head"]["hash"])
    files["evidence.json"] = json.dumps(evidence, indent=2, ensure_ascii=False, sort_keys=True).encode()
    return files


def _checkpoint(seq: int, digest: str) -> dict:
    """The signed checkpoint of the audit head a package carries, as lrip.audit.checkpoint signs it."""
    at, reason, database = datetime.now(timezone.utc), "evidence package (benchmark)", "benchmark"
    signature = keys.sign(audit._signed_bytes(database, seq, digest, at.isoformat(), reason)).hex()
    return {"seq": seq, "hash": digest, "at": at.isoformat(), "reason": reason, "database": database,
            "key": keys.public_fingerprint(), "signature": signature}


def _write(folder: Path, files: dict[str, bytes]) -> None:
    for name, content in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)


def _sha256_pass(folder: Path) -> int:
    size = 0
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        content = path.read_bytes()
        hashlib.sha256(content).hexdigest()
        size += len(content)
    return size


def run(repeat: int = 5, package: Path | None = None) -> list[tuple[str, str, str, str]]:
    work = Path(tempfile.mkdtemp(prefix="lrip-bench-package-"))
    before = os.environ.get("LRIP_KEYS_DIR")
    os.environ["LRIP_KEYS_DIR"] = str(work / "keys")  # a key made for the run, never the user's
    try:
        return _rows(work, repeat, package)
    finally:
        shutil.rmtree(work, ignore_errors=True)
        if before is None:
            os.environ.pop("LRIP_KEYS_DIR", None)
        else:
            os.environ["LRIP_KEYS_DIR"] = before


def _best(fn, repeat: int) -> tuple[float, float, object]:
    """The least CPU seconds (of this thread) and the least wall-clock seconds of `repeat` calls, and the last
    call's result."""
    cpu, wall, result = [], [], None
    for _ in range(repeat):
        start, used = time.perf_counter(), time.thread_time()
        result = fn()
        wall.append(time.perf_counter() - start)
        cpu.append(time.thread_time() - used)
    return min(cpu), min(wall), result


def _rows(work: Path, repeat: int, package: Path | None) -> list[tuple[str, str, str, str]]:
    keys.init()
    cases = [(f"package written by lrip ({package.name})", lambda: written_files(package))] if package else []
    cases += [("small made-up package", lambda: unsigned_files(1, 200_000)),  # first: before WeasyPrint and the
              ("made-up, 4 attachments of 5 MB", lambda: unsigned_files(4, MAX_ATTACHMENT - 64))]  # large heap
    rows = []
    for label, make in cases:
        files = make()
        folder = work / "package"

        def sign():
            shutil.rmtree(folder, ignore_errors=True)
            _write(folder, report.sign_files(files, reason="benchmark"))

        signing.sign_pdf(files["report.pdf"], reason="pyHanko imported, its modules warm")
        signing._signer_of.cache_clear()
        first = _best(sign, 1)
        signed = _best(sign, repeat)
        verified = _best(lambda: report.verify_package(folder), repeat)
        assert verified[2].ok, verified[2].problems
        hashed = _best(lambda: _sha256_pass(folder), repeat)
        baseline = f"{hashed[0] * 1000:.1f} ({hashed[1] * 1000:.1f}): SHA-256 of {hashed[2] / 1e6:.1f} MB"

        def row(what: str, timed: tuple) -> tuple[str, str, str, str]:
            return (f"{label}: {what}, ms", f"{timed[0] * 1000:.1f} ({timed[1] * 1000:.1f})", baseline,
                    f"{timed[0] / hashed[0]:.1f}×")

        pdf, evidence = (folder / "report.pdf").read_bytes(), (folder / "evidence.json").read_bytes()
        manifest, key, parsed = (folder / report.MANIFEST).read_bytes(), keys.public_key(), json.loads(evidence)
        steps = {
            "  sign step: report.pdf's PAdES signature": lambda: signing.sign_pdf(files["report.pdf"], reason="x"),
            "  sign step: manifest (SHA-256 of every file) and its signature":
                lambda: keys.sign(report.manifest_of(files)),
            "  verify step: every file against the manifest": lambda: report._file_problems(folder, manifest),
            "  verify step: report.pdf's signature (pyHanko)": lambda: signing.pdf_problems("report.pdf", pdf, key),
            "  verify step: evidence.json read (JSON)": lambda: json.loads(evidence),
            "  verify step: snapshot hash and e-signatures": lambda: report._evidence_problems(folder, parsed),
        }
        rows += [row("sign", signed), row("sign, first with this key in the process", first),
                 row("verify", verified), *(row(what, _best(fn, repeat)) for what, fn in steps.items())]
    return rows


if __name__ == "__main__":
    from bench.common import table

    given = Path(sys.argv[1]) if len(sys.argv) > 1 else None
    table("Evidence package: signing and verifying (baseline: SHA-256 of the same files)", run(package=given))

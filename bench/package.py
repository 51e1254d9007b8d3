"""Signing and verifying an evidence package, beside a plain SHA-256 pass over the same bytes.

The package is made up, in the shape and size of a real one, so that no demo database is needed: a
report.pdf laid out by WeasyPrint (a cover, tables, an SVG chart on every page), report.html,
evidence.json, CSV extracts, and the attestations' attachments. Two sizes: a demo-sized package, and one
whose four attestations each carry the largest attachment lrip keeps (5 MB of PDF).

Signing is `report.sign_files` (the PAdES signature of report.pdf by pyHanko, the public key and the
certificate, the manifest and its Ed25519 signature) and writing the files; verifying is
`report.verify_package` (the manifest's signature, every file against it, the PDF's signature, every
e-signature). The baseline reads every file of the signed package and hashes it with SHA-256 once, as
`sha256sum -c manifest.sha256` would.
"""
import hashlib
import json
import os
import random
import shutil
import tempfile
from datetime import datetime, timezone
from pathlib import Path

from bench.common import best_of
from lrip import audit, keys
from lrip.auth.rules import content_hash
from lrip.readiness import report
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


def run(repeat: int = 5) -> list[tuple[str, str, str, str]]:
    work = Path(tempfile.mkdtemp(prefix="lrip-bench-package-"))
    before = os.environ.get("LRIP_KEYS_DIR")
    os.environ["LRIP_KEYS_DIR"] = str(work / "keys")  # a key made for the run, never the user's
    try:
        return _rows(work, repeat)
    finally:
        shutil.rmtree(work, ignore_errors=True)
        if before is None:
            os.environ.pop("LRIP_KEYS_DIR", None)
        else:
            os.environ["LRIP_KEYS_DIR"] = before


def _rows(work: Path, repeat: int) -> list[tuple[str, str, str, str]]:
    keys.init()
    rows = []
    for label, attachments, size in (("demo-sized package", 1, 200_000),
                                     ("4 attachments of 5 MB", 4, MAX_ATTACHMENT - 64)):
        files = unsigned_files(attachments, size)
        folder = work / "package"

        def sign():
            shutil.rmtree(folder, ignore_errors=True)
            _write(folder, report.sign_files(files, reason="benchmark"))

        t_sign, _ = best_of(sign, repeat)
        t_verify, check = best_of(lambda: report.verify_package(folder), repeat)
        assert check.ok, check.problems
        t_hash, total = best_of(lambda: _sha256_pass(folder), repeat)
        baseline = f"{t_hash * 1000:.1f} (SHA-256 of {total / 1e6:.1f} MB)"
        rows += [(f"{label}: sign, ms", f"{t_sign * 1000:.1f}", baseline, f"{t_sign / t_hash:.1f}×"),
                 (f"{label}: verify, ms", f"{t_verify * 1000:.1f}", baseline, f"{t_verify / t_hash:.1f}×")]
    return rows


if __name__ == "__main__":
    from bench.common import table

    table("Evidence package: signing and verifying (baseline: SHA-256 of the same files)", run())

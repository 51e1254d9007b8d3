"""`make bench`: every benchmark, each printing measure | lrip | baseline | ratio."""
from bench import demo_build, import_measurements, shop_floor
from bench import metrics as quality_metrics, spc
from bench import scorecards
from bench import shortages
from bench import readiness
from bench import report as readiness_report
from bench import trace
from bench import audit, package
from bench.common import table

table("Measurement import, SQLite", import_measurements.run())
table("Shop floor over HTTP, one uvicorn worker, SQLite and PostgreSQL (baseline: GET /health of the same server)",
      shop_floor.run())
table("Demo program build, SQLite", demo_build.run())
table("SPC analysis (I-MR), NumPy", spc.run())
table("Yield and defect metrics, SQLite", quality_metrics.run())
table("Supplier scorecards, 100,000 receipts", scorecards.run())
table("Shortage netting, 50 parts × 52 weeks × 10 lots (ratio: baseline time / ours)", shortages.run())
table("FRP readiness: evaluate and evidence package, SQLite", readiness.run())
table("lrip readiness report against WeasyPrint laying out the same HTML without figures", readiness_report.run())
table("Trace on a 1,000,000-link genealogy, SQLite and PostgreSQL (baseline: the same SQL on the bare driver)",
      trace.run())
table("Audit verify over 1,000,000 events and 100,000 records, SQLite (baseline: SHA-256 of the same rows' bytes)",
      audit.run())
table("Evidence package: signing and verifying (baseline: SHA-256 of the same files)", package.run())

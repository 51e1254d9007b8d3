"""`make bench`: every benchmark, each printing measure | lrip | baseline | ratio."""
from bench import demo_build, import_measurements
from bench.common import table

table("Measurement import, SQLite", import_measurements.run())
table("Demo program build, SQLite", demo_build.run())

"""The composition root: every business area, lowest first, as docs/architecture.md orders them and
the import-linter contract in pyproject.toml enforces. `load()` imports each area's tables and its
event handlers, so a domain event published by a lower area always finds the higher area's handler;
the app, the CLI, the demo and the tests call it once."""
from importlib import import_module
from importlib.util import find_spec

AREAS = ("auth", "accounts", "auditing", "settings", "catalog", "program", "supply", "execution", "nonconformance", "inspection",
         "traveler", "labels", "dashboard", "quality", "trace", "planning", "capacity", "change", "readiness")
"""Lowest first. An area imports only areas before it (the platform modules are below them all)."""
ROUTED = tuple(a for a in AREAS if a != "auth")
"""Areas with entry points: `routes.py` (the JSON API under /api/v1), `pages.py`, `cli.py`, where present."""


def load() -> None:
    """Import every area's models and handlers (idempotent)."""
    import_module("lrip.audit")
    import_module("lrip.api.models")
    for area in AREAS:
        for module in ("models", "handlers"):
            name = f"lrip.{area}.{module}"
            if find_spec(f"lrip.{area}") is not None and find_spec(name) is not None:
                import_module(name)


def modules(kind: str) -> list:
    """Every area's `routes`, `pages` or `cli` module, lowest area first."""
    return [import_module(f"lrip.{a}.{kind}") for a in ROUTED
            if find_spec(f"lrip.{a}") is not None and find_spec(f"lrip.{a}.{kind}") is not None]

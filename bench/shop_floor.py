"""Shop-floor throughput over HTTP: a real uvicorn server (one worker, its own process) on a free port,
over a database prepared through the services; 8 and then 16 clients, each signed in with its own API
token, take their units through an 8-operation routing: start the operation, POST its measurement,
complete it. The baseline, same server, same run, same clients: GET /health. Reported per database:
events per second, p50/p99, the ratio to /health, errors; then, on fresh units, the same writers again
with a signed-in reader GETting a unit's traveler meanwhile, which must not wait behind them. One unit
is built first to warm the server (compiled statements, the routing cache, the connection pool).

SQLite (a file) always; PostgreSQL with LRIP_BENCH_PG_URL (its public schema is dropped and rebuilt).
Aim: at least 0.3 of /health on SQLite, no request over 1 s at p99, no error.
"""
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import time
from datetime import date, timedelta

import httpx2
from sqlalchemy import text

from bench.common import console, fresh_sqlite, table
from lrip.areas import load as load_models
from lrip.auth.actor import INSTALLATION
from lrip.auth.service import actor_of, create_token, create_user, get_user
from lrip.catalog import service as catalog
from lrip.catalog.rules import CharacteristicSpec, OperationSpec
from lrip.config import database_url
from lrip.db import engine_for, unit_of_work
from lrip.execution import service as execution
from lrip.migrate import upgrade
from lrip.program import service as program

OPERATIONS = [OperationSpec(seq, f"Step {seq}", "ASSY", 10, ("WI-B", "A"), ("torque driver",) if seq in (10, 50) else (),
                            "assembly", (CharacteristicSpec(f"C{seq}", f"Reading {seq}", "variable", 10.0, 9.0, 11.0,
                                                            "V"),))
              for seq in range(10, 90, 10)]
CLIENTS = (8, 16)
UNITS_PER_CLIENT = 4  # 4 units × 8 operations × 3 events = 96 events a client
READ_EVERY = 0.02  # the reader's pause between GETs, s


def build(url: str) -> dict:
    """Users op01…op16 (operators, qualified, each with an API token), an 8-operation routing and a pilot
    lot with every client's units; returns the tokens and each client's serials per scenario."""
    clients = max(CLIENTS)
    with unit_of_work(url) as s:
        create_user(s, INSTALLATION, username="bench", full_name="Bench", roles=["admin"])
        bench = actor_of(get_user(s, "bench"))
        catalog.create_part(s, bench, number="BENCH-8", description="Bench unit", tracking="serial")
        catalog.add_part_revision(s, bench, number="BENCH-8", revision="A", release=True)
        catalog.create_document(s, bench, number="WI-B", title="Build")
        catalog.add_document_revision(s, bench, number="WI-B", revision="A", content="Build it.")
        catalog.release_document_revision(s, bench, number="WI-B", revision="A")
        catalog.create_work_center(s, bench, code="ASSY", name="Assembly", hours_per_day=16)
        catalog.create_tool(s, bench, code="TQ-B", kind="torque driver", description="Torque driver",
                            category="production", calibration_due=date.today() + timedelta(days=90))
        catalog.create_routing(s, bench, part="BENCH-8", part_revision="A", revision="1", release=True,
                               operations=OPERATIONS)
        units = 2 * sum(CLIENTS) * UNITS_PER_CLIENT + 1
        program.create_program(s, bench, code="BENCH", name="Bench", part="BENCH-8", part_revision="A",
                               planned_total=units, frp_target_rate=100)
        program.change_phase(s, bench, program="BENCH", phase="pilot", reason="bench")
        program.create_lot(s, bench, program="BENCH", number="B1", planned_quantity=units, routing_revision="1")
        tokens = []
        for i in range(1, clients + 1):
            name = f"op{i:02d}"
            create_user(s, bench, username=name, full_name=f"Operator {i}", roles=["operator"])
            catalog.grant_qualification(s, bench, username=name, skill="assembly", granted_on=date.today(),
                                        expires_on=date.today() + timedelta(days=365))
            tokens.append(create_token(s, bench, username=name, name="bench").token)
        serials = {"warm": [["WARM-1"]]}
        for clients_now in CLIENTS:
            for phase in ("rate", "read"):
                serials[clients_now, phase] = [[f"B{clients_now:02d}{'W' if phase == 'rate' else 'R'}-{c:02d}-{u}"
                                                for u in range(UNITS_PER_CLIENT)] for c in range(clients_now)]
        for client in (c for group in serials.values() for c in group):
            for serial in client:
                execution.create_unit(s, bench, lot="B1", serial=serial)
    return {"tokens": tokens, "serials": serials}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(url: str) -> tuple[subprocess.Popen, str]:
    """uvicorn with one worker in its own process (the clients run here and must not share its GIL)."""
    port = _free_port()
    code = ("import sys, uvicorn; from lrip.app import create_app; "
            "uvicorn.run(create_app(sys.argv[1]), host='127.0.0.1', port=int(sys.argv[2]), log_level='warning', "
            "access_log=False)")
    server = subprocess.Popen([sys.executable, "-c", code, url, str(port)])
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx2.get(f"{base}/health", timeout=1).status_code == 200:
                return server, base
        except httpx2.TransportError:
            time.sleep(0.1)
    server.kill()
    raise RuntimeError("the bench server did not start")


class Tally:
    def __init__(self):
        self.seconds: list[float] = []
        self.errors: list[str] = []

    async def call(self, client: httpx2.AsyncClient, method: str, path: str, **kw) -> None:
        start = time.perf_counter()
        try:
            r = await client.request(method, path, **kw)
            if r.status_code >= 300:
                self.errors.append(f"{method} {path}: {r.status_code} {r.text[:200]}")
        except httpx2.HTTPError as exc:
            self.errors.append(f"{method} {path}: {exc!r}")
        self.seconds.append(time.perf_counter() - start)


async def _floor(base: str, token: str, serials: list[str], tally: Tally) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx2.AsyncClient(base_url=base, headers=headers, timeout=60) as client:
        for serial in serials:
            for op in OPERATIONS:
                tools = ["TQ-B"] if op.tool_kinds else []
                await tally.call(client, "POST", f"/api/v1/units/{serial}/operations/{op.sequence}/start",
                                 json={"tools": tools})
                await tally.call(client, "POST", f"/api/v1/units/{serial}/measurements",
                                 json={"characteristic": op.characteristics[0].code, "value": "10.05"})
                await tally.call(client, "POST", f"/api/v1/units/{serial}/operations/{op.sequence}/complete")


async def _health(base: str, requests: int, tally: Tally) -> None:
    async with httpx2.AsyncClient(base_url=base, timeout=60) as client:
        for _ in range(requests):
            await tally.call(client, "GET", "/health")


async def _reader(base: str, token: str, serial: str, tally: Tally, stop: asyncio.Event) -> None:
    async with httpx2.AsyncClient(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=60) as client:
        while not stop.is_set():
            await tally.call(client, "GET", f"/api/v1/units/{serial}")
            await asyncio.sleep(READ_EVERY)


async def _run(clients: list) -> float:
    start = time.perf_counter()
    await asyncio.gather(*clients)
    return time.perf_counter() - start


async def scenario(base: str, tokens: list[str], serials: dict, n: int) -> dict:
    health = Tally()
    events = UNITS_PER_CLIENT * len(OPERATIONS) * 3
    health_seconds = await _run([_health(base, events, health) for _ in range(n)])
    floor = Tally()
    floor_seconds = await _run([_floor(base, tokens[i], serials[n, "rate"][i], floor) for i in range(n)])
    reads, stop = Tally(), asyncio.Event()
    reader = asyncio.create_task(_reader(base, tokens[0], serials[n, "rate"][0][0], reads, stop))
    await _run([_floor(base, tokens[i], serials[n, "read"][i], Tally()) for i in range(n)])
    stop.set()
    await reader
    return {"health": health, "health_rate": len(health.seconds) / health_seconds, "floor": floor,
            "floor_rate": len(floor.seconds) / floor_seconds, "reads": reads}


def _ms(seconds: list[float], q: float) -> float:
    return statistics.quantiles(seconds, n=100, method="inclusive")[q - 1] * 1000 if len(seconds) > 1 else 0.0


def measure(name: str, url: str) -> list[tuple[str, str, str, str]]:
    prepared = build(url)
    engine_for(url).dispose()
    server, base = serve(url)
    rows = []
    try:
        asyncio.run(_floor(base, prepared["tokens"][0], prepared["serials"]["warm"][0], Tally()))
        for n in CLIENTS:
            r = asyncio.run(scenario(base, prepared["tokens"], prepared["serials"], n))
            floor, health, reads = r["floor"], r["health"], r["reads"]
            rows += [
                (f"{name}, {n} clients: events/s (start, measure, complete)", f"{r['floor_rate']:,.0f}",
                 f"{r['health_rate']:,.0f} (GET /health)", f"{r['floor_rate'] / r['health_rate']:.2f}"),
                (f"{name}, {n} clients: p50 / p99, ms", f"{_ms(floor.seconds, 50):.0f} / {_ms(floor.seconds, 99):.0f}",
                 f"{_ms(health.seconds, 50):.0f} / {_ms(health.seconds, 99):.0f}", "—"),
                (f"{name}, {n} clients: errors", f"{len(floor.errors)} of {len(floor.seconds)}",
                 f"{len(health.errors)} of {len(health.seconds)}", "—"),
                (f"{name}, {n} clients: signed-in GET of a traveler while they write, p99 / max, ms",
                 f"{_ms(reads.seconds, 99):.0f} / {max(reads.seconds, default=0) * 1000:.0f} "
                 f"({len(reads.seconds)} reads, {len(reads.errors)} errors)", "—", "—"),
            ]
            for error in (floor.errors + reads.errors)[:3]:
                console.print(f"[red]{name}, {n} clients:[/] {error}")
    finally:
        server.terminate()
        server.wait(timeout=30)
    return rows


def _pg_reset(url: str) -> None:
    with engine_for(url).begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    upgrade(url)


def run() -> list[tuple[str, str, str, str]]:
    load_models()
    rows = measure("SQLite", fresh_sqlite("shop-floor")[0])
    pg = os.environ.get("LRIP_BENCH_PG_URL")
    if pg:
        url = database_url(pg)
        _pg_reset(url)
        rows += measure("PostgreSQL", url)
    else:
        console.print("LRIP_BENCH_PG_URL is not set: the shop-floor benchmark runs on SQLite only.")
    return rows


if __name__ == "__main__":
    table("Shop floor over HTTP, one uvicorn worker (baseline: GET /health of the same server)", run())

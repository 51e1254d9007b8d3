"""Browser tests: a real uvicorn server on 127.0.0.1 (a free port, a background thread)
over a SQLite file with a small line, driven by Playwright through Debian's Chromium.

Only Debian's /usr/bin/chromium is used (`make browser` installs it with apt-get);
no browser is ever downloaded. Without it these tests skip and say so.
"""
import os
import re
import shutil
import socket
import threading
import time
from contextlib import contextmanager
from typing import Callable
from datetime import timedelta
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import expect
from sqlalchemy.orm import Session

from factory import actor, build_line
from lrip.app import create_app
from lrip.auth.service import set_password
from lrip.config import database_url
from lrip.db import engine_for, unit_of_work, utcnow
from lrip.execution import service as execution
from lrip.program.service import create_lot

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
PASSWORD = "floor-e2e-pass-7"
SCREENSHOTS = Path(__file__).parent / "screenshots"


def _build_unit(session: Session, serial: str, lot: str, motor: str, *, days_ago: float, through: int) -> None:
    """A unit taken through the first `through` operations, `days_ago` days back (for the weekly chart)."""
    t = utcnow() - timedelta(days=days_ago)
    oscar = actor(session, "oscar")
    execution.create_unit(session, actor(session, "admin"), lot=lot, serial=serial)
    steps = [(10, ["TQ-1"], [("TORQUE", "2.01")]), (20, [], [("VISUAL", "pass")]),
             (30, [], [("CURRENT", "1.02"), ("NOISE", "41")])]
    for i, (op, tools, results) in enumerate(steps[:through]):
        at = t + timedelta(minutes=60 * i)
        execution.start_operation(session, oscar, serial=serial, operation=op, tools=tools, at=at)
        if op == 10:
            execution.consume(session, oscar, serial=serial, operation=10, identifier=motor, at=at)
            execution.consume(session, oscar, serial=serial, operation=10, identifier="SCR-LOT-1", quantity=4, at=at)
        for code, value in results:
            execution.record_measurement(session, oscar, serial=serial, characteristic=code, result=value,
                                         at=at + timedelta(minutes=20))
        execution.complete_operation(session, oscar, serial=serial, operation=op, at=at + timedelta(minutes=35 + 3 * i))


def build_scene(session: Session) -> None:
    """Two LRIP lots; completed units over the last weeks; E2E-001 not started (scenario 1);
    E2E-002 and E2E-003 at operation 30, E2E-002 with its results in (scenario 2)."""
    build_line(session, lot_quantity=8)
    admin = actor(session, "admin")
    create_lot(session, admin, program="ACT", number="L2", planned_quantity=6, routing_revision="1")
    for username in ("olga", "oscar"):
        set_password(session, admin, username=username, password=PASSWORD)
    for serial, lot, motor, days in (("ACT-0001", "L1", "M-003", 20), ("ACT-0002", "L1", "M-004", 13),
                                     ("ACT-0003", "L1", "M-005", 12), ("ACT-0004", "L1", "M-006", 6),
                                     ("ACT-0101", "L2", "M-008", 5), ("ACT-0102", "L2", "M-009", 1)):
        _build_unit(session, serial, lot, motor, days_ago=days, through=3)
    execution.create_unit(session, admin, lot="L1", serial="E2E-001")
    _build_unit(session, "E2E-002", "L1", "M-002", days_ago=0.2, through=2)
    _build_unit(session, "E2E-003", "L1", "M-007", days_ago=0.2, through=2)
    for serial, results in (("E2E-002", [("CURRENT", "1.0"), ("NOISE", "40")]), ("E2E-003", [])):
        oscar = actor(session, "oscar")
        execution.start_operation(session, oscar, serial=serial, operation=30)
        for code, value in results:
            execution.record_measurement(session, oscar, serial=serial, characteristic=code, result=value)
    execution.create_unit(session, admin, lot="L2", serial="ACT-0103")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def live_server(url: str):
    """Serve the app over `url` on a free port in a background thread; yields the base URL."""
    port = _free_port()
    uv = uvicorn.Server(uvicorn.Config(create_app(url), host="127.0.0.1", port=port, log_level="warning",
                                       lifespan="off"))
    thread = threading.Thread(target=uv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not uv.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        uv.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def chromium():
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"Debian's Chromium is not at {CHROMIUM}: run `make browser` (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield browser
        browser.close()


@contextmanager
def serve_scene(tmp_path_factory, sqlite_template, name: str, build: Callable[[Session], None]):
    """A live server over its own copy of the migrated template, filled by `build(session)`;
    yields (base URL, database URL). Each e2e module with a scene of its own serves it this way."""
    path = tmp_path_factory.mktemp(name) / "lrip.db"
    shutil.copy(sqlite_template, path)
    url = database_url(f"sqlite:///{path}")
    with unit_of_work(url) as session:
        build(session)
    try:
        with live_server(url) as base:
            yield base, url
    finally:
        engine_for(url).dispose()


@pytest.fixture(scope="session")
def server(chromium, sqlite_template, tmp_path_factory):
    """The base URL of a live server over the shared scene."""
    with serve_scene(tmp_path_factory, sqlite_template, "e2e", build_scene) as (base, _):
        yield base


@pytest.fixture
def page(chromium, server):
    """A fresh browser context (no cookies) at a desktop / touchscreen-panel size."""
    context = chromium.new_context(base_url=server, viewport={"width": 1366, "height": 900})
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


@pytest.fixture
def password() -> str:
    """The password of olga and oscar in the scene."""
    return PASSWORD


@pytest.fixture
def shot():
    """Save a full-page screenshot under tests/e2e/screenshots/ for a person to look at."""
    SCREENSHOTS.mkdir(exist_ok=True)

    def take(page, name: str) -> None:
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)

    return take


def sign_in(page, username: str, password: str, next_path: str) -> None:
    """Open `next_path` signed out: the sign-in page comes first, then the page asked for."""
    page.goto(next_path)
    expect(page).to_have_url(re.compile(r"/login\?next="))
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("button:has-text('Sign in')")
    expect(page).to_have_url(re.compile(re.escape(next_path) + "$"))

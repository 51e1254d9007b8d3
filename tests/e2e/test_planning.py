"""A program manager in a real browser: the ramp plan's shortages and clear-to-build, a
shorter horizon, then capacity at the FRP target and at a rate the line cannot hold."""
import re
from datetime import date, timedelta

import pytest
from e2e.conftest import serve_scene
from playwright.sync_api import expect
from sqlalchemy.orm import Session

from factory import actor, build_line
from lrip.auth.service import set_password
from lrip.program import service as program

pytestmark = pytest.mark.e2e
PASSWORD = "ramp-plan-e2e-7"
W0 = date.today() - timedelta(days=date.today().weekday())
FRP_WEEK = W0 + timedelta(weeks=2)


def build_scene(session: Session) -> None:
    """L1 starts 3 this week and 2 next; an FRP week of 12 starts in two weeks. 10 motors on hand:
    3 + 2 + 12 = 17 needed, so the FRP week is 7 motors short."""
    build_line(session)
    admin = actor(session, "admin")
    set_password(session, admin, username="olga", password=PASSWORD)
    for week, starts, phase, lot in ((0, 3, "lrip", "L1"), (1, 2, "lrip", "L1"), (2, 12, "frp", None)):
        program.plan_starts(session, admin, program="ACT", period_start=W0 + timedelta(weeks=week),
                            planned_starts=starts, phase=phase, lot=lot)


@pytest.fixture(scope="module")
def planning_server(sqlite_template, tmp_path_factory):
    def build(session: Session) -> None:
        build_scene(session)

    with serve_scene(tmp_path_factory, sqlite_template, "e2e-planning", build) as (base, _):
        yield base


@pytest.fixture
def manager(chromium, planning_server):
    context = chromium.new_context(base_url=planning_server, viewport={"width": 1366, "height": 900})
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


def test_shortages_then_capacity(manager, shot):
    page = manager
    page.goto("/programs/ACT/shortages")
    expect(page).to_have_url(re.compile(r"/login\?next="))
    page.fill("#username", "olga")
    page.fill("#password", PASSWORD)
    page.click("button:has-text('Sign in')")
    expect(page).to_have_url(re.compile(r"/programs/ACT/shortages$"))

    # the FRP week is not clear to build: 7 motors short; 5 left for 12 starts over 5 days (2.4 a day)
    # run out on its Wednesday
    expect(page.locator("[data-testid='ctb'] .tile-n")).to_have_text("1 / 2")
    frp = page.locator(f"#lots tr[data-lot='FRP {FRP_WEEK}']")
    expect(frp.locator("[data-col='clear']")).to_have_text("No")
    expect(frp).to_contain_text(f"MTR-1 runs out on {FRP_WEEK + timedelta(days=2):%a %d %b %Y}: short 7 in the week of")
    expect(page.locator("#lots tr[data-lot='L1'] [data-col='clear']")).to_have_text("Yes")
    expect(page.locator(f"#shortages tr[data-part='MTR-1'][data-week='{FRP_WEEK}'] [data-col='short']")).to_have_text("7")
    expect(page.locator("figure.chart-box svg")).to_have_count(1)
    shot(page, "planning-01-shortages")

    # two weeks ahead only: nothing short, every lot clear
    page.fill("#horizon", "2")
    page.click("button:has-text('Show')")
    expect(page).to_have_url(re.compile(r"horizon=2"))
    expect(page.locator("#no-shortage")).to_be_visible()
    expect(page.locator("[data-testid='ctb'] .tile-n")).to_have_text("1 / 1")

    # capacity: the FRP target of 10 a week fits; 60 a week does not, and the page says what to add
    page.click("a:has-text('Capacity')")
    expect(page).to_have_url(re.compile(r"/programs/ACT/capacity$"))
    expect(page.locator("[data-testid='fits'] .tile-n")).to_have_text("Fits")
    expect(page.locator("[data-testid='bottleneck'] .tile-n")).to_have_text("ASSY")
    expect(page.locator("#centers tr[data-center='ASSY'] [data-col='utilisation']")).to_have_text("17%")
    page.fill("#rate", "60")
    page.click("button:has-text('Check')")
    expect(page.locator("[data-testid='fits'] .tile-n")).to_have_text("Does not fit")
    expect(page.locator("#changes")).to_contain_text("Assembly (ASSY) needs 7.1 more hours a week or 1 more station")
    expect(page.locator("#centers tr[data-center='ASSY'] [data-col='utilisation']")).to_have_text("100%")
    shot(page, "planning-02-capacity")

    # the learning curve needs three complete units; this line has none yet, and says so
    page.goto("/programs/ACT/learning")
    expect(page.locator(".alert-refused")).to_contain_text(re.compile(r"needs at least 3 units; ACT has [0-2] complete so far"))

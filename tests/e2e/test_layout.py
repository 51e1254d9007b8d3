"""Every page in the nav and on a program's dashboard, at a phone (390), a station's touchscreen (1024×768)
and a desktop (1440): none scrolls sideways, the menu reaches every page, every chart's text is at least
12 px, and axe-core (the copy bundled by the axe-playwright-python package) finds no serious or critical
violation on the main pages, for an operator and for the quality engineer and program manager whose forms
they show."""
import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from factory import PM, PM_PASSWORD, QE, QE_PASSWORD

PASSWORD = "floor-e2e-pass-7"  # olga's in the scene (tests/e2e/conftest.py)


def sign_in(page, username: str, password: str, next_path: str) -> None:
    page.goto(next_path)
    page.fill("#username", username)
    page.fill("#password", password)
    page.press("#password", "Enter")
    expect(page.locator(".who-name")).to_have_count(1)

pytestmark = pytest.mark.e2e

SIZES = {"phone": (390, 844), "station": (1024, 768), "desktop": (1440, 900)}
PROGRAM = "/programs/ACT"


@pytest.fixture(scope="module")
def signed_in(chromium, server):
    """One signed-in browser context per screen size (sign-in once, pages read many times)."""
    contexts = {}
    for name, (width, height) in SIZES.items():
        context = chromium.new_context(base_url=server, viewport={"width": width, "height": height},
                                       has_touch=name != "desktop")
        context.set_default_timeout(15_000)
        page = context.new_page()
        sign_in(page, "olga", PASSWORD, "/")
        contexts[name] = (context, page)
    yield contexts
    for context, _ in contexts.values():
        context.close()


def _pages(page) -> list[str]:
    """Every page the menu links to, and every page linked from the program's dashboard."""
    page.goto("/")
    found = page.eval_on_selector_all("#all-pages a", "links => links.map(a => a.getAttribute('href'))")
    page.goto(PROGRAM)
    found += [PROGRAM] + page.eval_on_selector_all("#program-nav a, #setup-link, #readiness-link", "links => links.map(a => a.getAttribute('href'))")
    return list(dict.fromkeys(found))


def test_the_menu_and_the_program_reach_the_pages_that_were_linked_from_nowhere(signed_in):
    _, page = signed_in["desktop"]
    pages = _pages(page)
    for path in ("/fai", f"{PROGRAM}/capacity", f"{PROGRAM}/learning", f"{PROGRAM}/shortages",
                 f"{PROGRAM}/inspection", "/capas", "/scars", "/defect-codes", "/parts", "/qualifications"):
        assert path in pages, path


@pytest.mark.parametrize("size", list(SIZES))
def test_no_page_scrolls_sideways(signed_in, size, shot):
    _, page = signed_in[size]
    wide = []
    for path in _pages(page):
        page.goto(path)
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        if overflow > 0:
            wide.append(f"{path}: {overflow} px")
            shot(page, f"overflow-{size}-{path.strip('/').replace('/', '-') or 'home'}")
    assert wide == []
    # the top bar's parts do not overlap: the menu ends before the signed-in person's name begins
    menu, who = page.locator("#all-pages > summary").bounding_box(), page.locator(".who").bounding_box()
    assert menu["x"] + menu["width"] <= who["x"]
    for path in ("/", "/ncrs", PROGRAM, "/quality"):
        page.goto(path)
        shot(page, f"layout-{size}-{path.strip('/').replace('/', '-') or 'home'}")


def test_the_nav_is_usable_on_a_phone(signed_in, shot):
    _, page = signed_in["phone"]
    page.goto("/")
    menu = page.locator("#all-pages > summary")
    expect(menu).to_be_visible()
    box = menu.bounding_box()
    assert box["x"] + box["width"] <= 390 and box["height"] >= 44  # on the screen, a finger's size
    menu.click()
    expect(page.locator("#all-pages a[href='/ncrs']")).to_be_visible()
    shot(page, "phone-menu-open")
    page.click("#all-pages a[href='/ncrs']")
    expect(page).to_have_url(re.compile(r"/ncrs$"))


def test_a_skip_link_and_a_visible_focus_ring(signed_in):
    _, page = signed_in["desktop"]
    page.goto("/ncrs")
    page.keyboard.press("Tab")
    skip = page.locator(".skip-link")
    expect(skip).to_be_focused()
    assert skip.bounding_box()["y"] >= 0  # it comes into view when focused
    page.keyboard.press("Tab")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline == "solid"


MAIN_PAGES = ["/", PROGRAM, "/traveler", "/units/E2E-002", "/ncrs", "/quality", "/suppliers", "/changes", "/fai",
              f"{PROGRAM}/readiness", f"{PROGRAM}/capacity", f"{PROGRAM}/shortages"]


def _serious(page, paths: list[str]) -> list[str]:
    """axe-core's serious and critical violations on each page."""
    axe = Axe()
    found = []
    for path in paths:
        page.goto(path)
        for v in axe.run(page).response["violations"]:
            if v["impact"] in ("serious", "critical"):
                found.append(f"{path}: {v['id']} ({v['impact']}) {[n['target'] for n in v['nodes']][:4]}")
    return found


@pytest.mark.parametrize("size", list(SIZES))
def test_axe_finds_no_serious_violation_on_the_main_pages(signed_in, size):
    _, page = signed_in[size]
    assert _serious(page, MAIN_PAGES) == []


@pytest.mark.parametrize("username, password", [(QE, QE_PASSWORD), (PM, PM_PASSWORD)])
def test_axe_on_a_phone_finds_no_serious_violation_in_the_forms_of_quality_and_the_program(
        chromium, server, username, password):
    """The pages as the people who decide, sign and manage see them: their forms, selects and reasons too."""
    context = chromium.new_context(base_url=server, viewport={"width": 390, "height": 844}, has_touch=True)
    context.set_default_timeout(15_000)
    page = context.new_page()
    sign_in(page, username, password, "/")
    found = _serious(page, list(dict.fromkeys(MAIN_PAGES + _pages(page))))
    context.close()
    assert found == []


CHART_PAGES = [PROGRAM, f"{PROGRAM}/quality", f"{PROGRAM}/spc/CURRENT", f"{PROGRAM}/capacity", f"{PROGRAM}/learning",
               "/ncrs", "/changes", f"{PROGRAM}/shortages"]
CHART_TEXT = """() => [...document.querySelectorAll('svg.chart')].map(svg => [svg.getAttribute('aria-label'),
    Math.min(...[...svg.querySelectorAll('text')].map(t => {
        const m = t.getScreenCTM();  // the text's own size times every scale down to the screen
        return parseFloat(getComputedStyle(t).fontSize) * Math.hypot(m.a, m.b); }))])"""


@pytest.mark.parametrize("size", list(SIZES))
def test_every_chart_s_text_is_at_least_12_px(signed_in, size):
    """A chart is never drawn smaller than its natural size (a narrow screen scrolls it inside its box), and
    the page around it still does not scroll sideways."""
    _, page = signed_in[size]
    drawn, small = 0, []
    for path in CHART_PAGES:
        page.goto(path)
        for title, px in page.evaluate(CHART_TEXT):
            drawn += 1
            if px < 11.95:
                small.append(f"{path} {title}: {px:.1f} px")
        assert page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth") <= 0
    assert drawn >= len(CHART_PAGES) and small == []

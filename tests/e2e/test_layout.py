"""Every page in the nav and on a program's dashboard, at a phone (390), a station's touchscreen (1024×768)
and a desktop (1440): none scrolls sideways, the menu reaches every page, and axe-core (the copy bundled by
the axe-playwright-python package) finds no serious or critical violation on the main pages."""
import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

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


@pytest.mark.parametrize("size", ["station", "desktop"])
def test_axe_finds_no_serious_violation_on_the_main_pages(signed_in, size):
    _, page = signed_in[size]
    axe = Axe()
    found = []
    for path in MAIN_PAGES:
        page.goto(path)
        for v in axe.run(page).response["violations"]:
            if v["impact"] in ("serious", "critical"):
                found.append(f"{path}: {v['id']} ({v['impact']}) {[n['target'] for n in v['nodes']][:4]}")
    assert found == []

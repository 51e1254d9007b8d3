"""The health endpoint and the list of programs, over real HTTP handling (ASGI test client)."""
import re
from alembic.script import ScriptDirectory
from fastapi.testclient import TestClient

from lrip.app import create_app
from lrip.auth.actor import INSTALLATION
from lrip.auth.service import create_user
from lrip.db import unit_of_work
from lrip.migrate import alembic_config


def test_health_names_the_database_and_migration(db_url):
    head = ScriptDirectory.from_config(alembic_config(db_url)).get_current_head()
    body = TestClient(create_app(db_url)).get("/health").json()
    assert body == {"status": "ok", "database": "sqlite" if db_url.startswith("sqlite") else "postgresql",
                    "migration": head}


def test_home_lists_programs_with_their_units(sign_in):
    client, _ = sign_in("olga")
    page = client.get("/").text
    assert "ACT — Actuator ramp" in page and 'href="/programs/ACT"' in page
    assert '<li class="count count-planned"><b>1</b> Planned</li>' in page
    assert 'action="/traveler"' in page  # a serial can be scanned from here too


def test_no_programs_yet(sqlite_url, csrf_of):
    with unit_of_work(sqlite_url) as session:
        create_user(session, INSTALLATION, username="admin", full_name="Ada Admin", roles=["admin"],
                    password="root-of-trust-22")
    client = TestClient(create_app(sqlite_url))
    client.post("/login", data={"username": "admin", "password": "root-of-trust-22",
                                "csrf_token": csrf_of(client.get("/login").text)})
    assert "No programs yet" in client.get("/").text


def test_shortages_count_observed_lateness_unless_turned_off(sign_in):
    client, _ = sign_in("olga")
    first = client.get("/programs/ACT/shortages").text
    assert re.search(r'id="lateness" checked', first) and "observed lateness" in first
    off = client.get("/programs/ACT/shortages", params=[("lateness", "0")]).text
    assert not re.search(r'id="lateness" checked', off) and "by promised date" in off
    on = client.get("/programs/ACT/shortages", params=[("lateness", "0"), ("lateness", "1")]).text  # the box ticked
    assert re.search(r'id="lateness" checked', on)


def test_the_ncr_list_opens_on_the_ncrs_still_to_work(sign_in):
    client, _ = sign_in("olga")
    page = client.get("/ncrs").text
    assert re.search(r'<a href="\?program=" aria-current="true">Not closed</a>', page)
    assert re.search(r'<a href="\?program=&status=all" aria-current="true">All</a>', client.get("/ncrs?status=all").text)


def test_every_page_has_a_skip_link_and_the_menu_reaches_the_pages_linked_from_nowhere(sign_in):
    client, _ = sign_in("olga")
    page = client.get("/").text
    assert '<a class="skip-link" href="#main">Skip to content</a>' in page and 'id="main"' in page
    for href in ("/fai", "/capas", "/scars", "/defect-codes", "/qualifications", "/trace/check"):
        assert f'href="{href}"' in page, href
    program = client.get("/programs/ACT").text
    for page_ in ("capacity", "learning", "shortages", "inspection", "spc", "quality"):
        assert f'href="/programs/ACT/{page_}"' in program, page_

"""Signing in and out, the signed session cookie, and CSRF on every form."""
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from lrip.app import create_app
from lrip.audit import AuditEvent
from factory import actor
from lrip.auth.service import disable_user, lock_user
from lrip.execution.service import get_unit


def events(db) -> int:
    return db(lambda s: s.execute(select(func.count(AuditEvent.seq))).scalar_one())


def test_pages_need_sign_in_then_open_the_page_asked_for(line, password, csrf_of):
    client = TestClient(create_app(line))
    r = client.get("/units/SN-1?tab=x", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login?next=%2Funits%2FSN-1%3Ftab%3Dx"
    for path in ("/", "/programs/ACT", "/traveler", "/lots/L1", "/units/SN-1/record", "/no/such/page"):
        assert client.get(path, follow_redirects=False).headers["location"].startswith("/login")
    assert client.get("/static/lrip.css").status_code == 200
    assert client.get("/health").status_code == 200
    form = client.get("/login?next=/units/SN-1")
    assert 'name="next" value="/units/SN-1"' in form.text
    r = client.post("/login", data={"username": "olga", "password": password, "next": "/units/SN-1",
                                    "csrf_token": csrf_of(form.text)}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/units/SN-1"
    page = client.get("/units/SN-1").text
    assert "Olga Operator" in page and '<span class="role">operator</span>' in page


def test_next_only_goes_to_a_page_of_this_site(line, password, csrf_of):
    client = TestClient(create_app(line))
    token = csrf_of(client.get("/login").text)
    r = client.post("/login", data={"username": "olga", "password": password, "next": "//evil.example/x",
                                    "csrf_token": token}, follow_redirects=False)
    assert r.headers["location"] == "/"


def test_a_refused_login_says_why_keeps_the_name_and_slows_the_next_try(line, password, csrf_of):
    client = TestClient(create_app(line))
    token = csrf_of(client.get("/login").text)
    for _ in range(2):
        r = client.post("/login", data={"username": "olga", "password": "wrong-password-1", "csrf_token": token})
        assert r.status_code == 401
        assert "The user name or password is not right." in r.text and 'value="olga"' in r.text
    r = client.post("/login", data={"username": "olga", "password": "wrong-password-1", "csrf_token": token})
    assert "wait 2 seconds before trying again from here" in r.text
    r = client.post("/login", data={"username": "olga", "password": password, "csrf_token": token})
    assert r.status_code == 401 and "Too many wrong passwords" in r.text  # not even checked, until the wait ends


def test_a_post_without_the_csrf_token_is_refused_and_changes_nothing(sign_in, db):
    client, token = sign_in("olga")
    before = events(db)
    for data in ({"operation": "10", "tools": "TQ-1"}, {"operation": "10", "tools": "TQ-1", "csrf_token": "forged"}):
        r = client.post("/units/SN-1/start", data=data)
        assert r.status_code == 403
        assert "security token" in r.text and "Nothing was changed" in r.text
    assert client.post("/logout", data={}).status_code == 403
    assert client.get("/", follow_redirects=False).status_code == 200  # still signed in
    assert db(lambda s: get_unit(s, "SN-1").status) == "planned"
    assert events(db) == before
    # the same form with the token goes through
    assert client.post("/units/SN-1/start", data={"operation": "10", "tools": "TQ-1", "csrf_token": token},
                       follow_redirects=False).status_code == 303


def test_login_itself_needs_the_token_and_a_new_one_is_issued_at_sign_in(line, db, password, csrf_of):
    client = TestClient(create_app(line))
    anonymous = csrf_of(client.get("/login").text)
    before = events(db)
    r = client.post("/login", data={"username": "olga", "password": "wrong-password-1"})
    assert r.status_code == 403 and events(db) == before  # no failed log-in counted either
    client.post("/login", data={"username": "olga", "password": password, "csrf_token": anonymous})
    signed_in = csrf_of(client.get("/").text)
    assert signed_in != anonymous
    assert client.post("/units/SN-1/start", data={"operation": "10", "tools": "TQ-1",
                                                  "csrf_token": anonymous}).status_code == 403


def test_sign_out_ends_the_session(sign_in):
    client, token = sign_in("olga")
    r = client.post("/logout", data={"csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login"
    assert client.get("/", follow_redirects=False).headers["location"] == "/login"


def test_the_cookie_is_signed(sign_in):
    client, _ = sign_in("olga")
    value = client.cookies.get("lrip_session")
    assert TestClient(client.app).get("/", headers={"cookie": f"lrip_session={value}"},
                                      follow_redirects=False).status_code == 200
    payload, stamp, signature = value.rsplit(".", 2)
    forged = payload.replace(payload[5], "A" if payload[5] != "A" else "B", 1) + f".{stamp}.{signature}"
    r = TestClient(client.app).get("/", headers={"cookie": f"lrip_session={forged}"}, follow_redirects=False)
    assert r.headers["location"] == "/login"


def test_a_disabled_account_is_signed_out(sign_in, db):
    client, _ = sign_in("olga")
    db(lambda s: disable_user(s, actor(s, "admin"), username="olga", reason="left the company"))
    assert client.get("/", follow_redirects=False).headers["location"] == "/login"


def test_a_cookie_kept_after_logout_no_longer_signs_anyone_in(sign_in):
    """The session lives on the server: logging out ends it, so a copy of the cookie is worthless."""
    client, token = sign_in("olga")
    kept = client.cookies.get("lrip_session")
    client.post("/logout", data={"csrf_token": token})
    r = TestClient(client.app).get("/", headers={"cookie": f"lrip_session={kept}"}, follow_redirects=False)
    assert r.headers["location"] == "/login"


def test_wrong_passwords_leave_the_web_session_alone_and_an_admins_lock_ends_it(sign_in, db, csrf_of):
    client, _ = sign_in("olga")
    other = TestClient(client.app, client=("203.0.113.9", 41000))
    token = csrf_of(other.get("/login").text)
    for _ in range(5):
        other.post("/login", data={"username": "olga", "password": "wrong-password-1", "csrf_token": token})
    assert client.get("/", follow_redirects=False).status_code == 200
    db(lambda s: lock_user(s, actor(s, "admin"), username="olga", hours=1, reason="badge lost"))
    assert client.get("/", follow_redirects=False).headers["location"] == "/login"


def test_the_api_takes_the_browser_session_and_writes_only_with_the_csrf_header(sign_in):
    client, token = sign_in("olga")
    assert client.get("/api/v1/units/SN-1").json()["serial"] == "SN-1"
    url = "/api/v1/units/SN-1/operations/10/start"
    r = client.post(url, json={"tools": ["TQ-1"]})
    assert r.status_code == 401 and r.json()["code"] == "not_signed_in"
    r = client.post(url, json={"tools": ["TQ-1"]}, headers={"X-CSRF-Token": token})
    assert r.status_code == 201 and r.json()["started_by"] == "olga"

"""Sign-in that cannot be turned against anyone, over the ASGI client: wrong passwords from elsewhere never
lock a signer out of her session or her e-signature; every answer carries the headers that keep a page from
being framed or a file from being run; cookies are Secure over https; attachments keep a safe name and the
type their bytes are."""
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from factory import PM, PM_PASSWORD, QE, actor
from lrip.app import create_app
from lrip.auth.models import Signature
from lrip.auth.service import create_user
from lrip.db import unit_of_work
from lrip.execution import service as execution
from lrip.nonconformance import mrb
from lrip.nonconformance.models import NcrAttachment

ATTACKER = ("203.0.113.9", 41000)
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 40
HTML = b"<!DOCTYPE html><html><body><script>fetch('/api/v1/users')</script></body></html>"
EVIL_NAME = "a\"; filename*=UTF-8''evil.html"
HEADERS = {"x-frame-options": "DENY", "x-content-type-options": "nosniff", "referrer-policy": "same-origin"}


@pytest.fixture
def ncr(line, password):
    """SN-1 held under NCR-000001 (torque out of spec), use-as-is under MRB review; ivy the inspector."""
    with unit_of_work(line) as session:
        create_user(session, actor(session, "admin"), username="ivy", full_name="Ivy Inspector", roles=["inspector"],
                    password=password)
        olga = actor(session, "olga")
        execution.start_operation(session, olga, serial="SN-1", operation=10, tools=["TQ-1"])
        execution.record_measurement(session, olga, serial="SN-1", characteristic="TORQUE", result="2.5")
        mrb.review(session, actor(session, QE), number="NCR-000001", action="use_as_is", reason="within the fit")
    return "NCR-000001"


def wrong_passwords(app, username: str, times: int, csrf_of) -> None:
    attacker = TestClient(app, client=ATTACKER)
    token = csrf_of(attacker.get("/login").text)
    for _ in range(times):
        attacker.post("/login", data={"username": username, "password": "a guess at it", "csrf_token": token})


def test_wrong_passwords_from_elsewhere_do_not_lock_the_program_manager_out_of_her_mrb_signature(
        ncr, sign_in, csrf_of, db):
    client, token = sign_in(PM, PM_PASSWORD)
    wrong_passwords(client.app, PM, 6, csrf_of)
    assert client.get("/", follow_redirects=False).status_code == 200  # her session goes on
    r = client.post(f"/ncrs/{ncr}/sign", data={"password": PM_PASSWORD, "csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303, r.text
    signed = db(lambda s: s.execute(select(Signature.username).where(Signature.record_id == ncr)).scalars().all())
    assert signed == [PM]
    fresh = TestClient(client.app)  # and she signs in again from her own station at once
    token = csrf_of(fresh.get("/login").text)
    r = fresh.post("/login", data={"username": PM, "password": PM_PASSWORD, "csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303


def test_the_guessers_own_source_waits_longer_after_each_wrong_password(line, csrf_of):
    app = create_app(line)
    attacker = TestClient(app, client=ATTACKER)
    token = csrf_of(attacker.get("/login").text)
    answers = [attacker.post("/login", data={"username": "olga", "password": "a guess at it", "csrf_token": token})
               for _ in range(4)]
    assert [a.status_code for a in answers] == [401] * 4
    assert "wait 2 seconds before trying again from here" in answers[2].text
    assert "Too many wrong passwords for this name from here" in answers[3].text


@pytest.mark.parametrize("path", ["/login", "/", f"/ncrs/NCR-000001", "/units/SN-1", "/no/such/page",
                                  "/api/v1/units/SN-1", "/static/lrip.css", "/health"])
def test_every_answer_forbids_framing_sniffing_and_foreign_scripts(ncr, sign_in, path):
    client, _ = sign_in("olga")
    r = client.get(path, follow_redirects=False)
    assert {k: r.headers.get(k) for k in HEADERS} == HEADERS, path
    csp = r.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp and "script-src 'self';" in csp and "default-src 'self'" in csp
    assert "strict-transport-security" not in r.headers  # plain http here


def test_a_refused_form_and_a_too_large_body_carry_the_headers_too(line):
    client = TestClient(create_app(line))
    r = client.post("/units/SN-1/start", data={"operation": "10"})
    assert r.status_code == 403 and r.headers["x-frame-options"] == "DENY"
    r = client.post("/api/v1/imports/measurements", content=b"x" * (9 * 1024 * 1024))
    assert r.status_code == 413 and r.headers["x-frame-options"] == "DENY"


def test_no_page_runs_an_inline_script():
    """The policy runs only the site's own script files: no template may hold an inline script or handler."""
    root = Path(__file__).parents[2] / "src" / "lrip"
    for template in root.rglob("templates/*.html"):
        if template.name in ("report.html", "fai_pdf.html"):  # documents for WeasyPrint, never served as pages
            continue
        text = template.read_text()
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text), template
        assert not re.search(r"\son[a-z]+\s*=", text), template


@pytest.mark.parametrize("https, base, secure", [(False, "http://testserver", False), (True, "http://testserver", True),
                                                 (False, "https://testserver", True)])
def test_cookies_are_secure_when_served_over_https(line, password, csrf_of, https, base, secure):
    """--https / LRIP_HTTPS=1, or a request that arrives as https (TLS here, or a trusted proxy's
    X-Forwarded-Proto), marks every cookie Secure and asks the browser to keep to https."""
    client = TestClient(create_app(line, https=https), base_url=base)
    token = csrf_of(client.get("/login").text)
    r = client.post("/login", data={"username": "olga", "password": password, "csrf_token": token},
                    follow_redirects=False)
    cookie = r.headers["set-cookie"].lower()
    assert cookie.startswith("lrip_session=") and "httponly" in cookie and "samesite=lax" in cookie
    assert ("; secure" in cookie) is secure
    assert ("strict-transport-security" in r.headers) is secure


def test_lrip_https_in_the_environment_means_https(line, monkeypatch):
    monkeypatch.setenv("LRIP_HTTPS", "1")
    r = TestClient(create_app(line)).get("/login")
    assert "; secure" in r.headers["set-cookie"].lower() and r.headers["strict-transport-security"]


def test_an_attachment_name_cannot_write_into_the_header(ncr, sign_in):
    client, token = sign_in("ivy")
    r = client.post(f"/api/v1/ncrs/{ncr}/attachments", params={"filename": EVIL_NAME}, content=PNG,
                    headers={"content-type": "image/png", "X-CSRF-Token": token})
    assert r.status_code == 201, r.text
    assert r.json()["filename"] == "a_ filename_UTF-8_evil.html.png"
    for url in (f"/api/v1/ncrs/{ncr}/attachments/{r.json()['id']}", f"/ncrs/{ncr}/files/{r.json()['id']}"):
        got = client.get(url)
        assert got.content == PNG and got.headers["content-type"] == "image/png"
        assert got.headers["content-disposition"] == ('inline; filename="a_ filename_UTF-8_evil.html.png"; '
                                                      "filename*=UTF-8''a_%20filename_UTF-8_evil.html.png")


def test_html_sent_as_a_png_is_refused(ncr, sign_in, db):
    client, token = sign_in("ivy")
    r = client.post(f"/api/v1/ncrs/{ncr}/attachments", params={"filename": "photo.png"}, content=HTML,
                    headers={"content-type": "image/png", "X-CSRF-Token": token})
    assert r.status_code == 409 and r.json()["reasons"] == [
        "photo.png is an HTML page; lrip keeps only PNG, JPEG, GIF and WebP images, PDF documents, plain text and "
        "CSV files"]
    assert db(lambda s: s.execute(select(NcrAttachment)).first()) is None


def test_a_file_kept_before_the_check_is_served_as_what_its_bytes_are(ncr, sign_in, db):
    """An HTML page kept as image/png by the old code is served as a download of bytes, never as a page."""
    client, token = sign_in("ivy")
    r = client.post(f"/api/v1/ncrs/{ncr}/attachments", params={"filename": "photo.png"}, content=PNG,
                    headers={"content-type": "image/png", "X-CSRF-Token": token})
    db(lambda s: s.execute(update(NcrAttachment).values(data=HTML, filename=EVIL_NAME)))
    for url in (f"/api/v1/ncrs/{ncr}/attachments/{r.json()['id']}", f"/ncrs/{ncr}/files/{r.json()['id']}"):
        got = client.get(url)
        assert got.headers["content-type"] == "application/octet-stream"
        assert got.headers["content-disposition"].startswith('attachment; filename="a_ filename_UTF-8_evil.html"')
        assert got.headers["x-content-type-options"] == "nosniff"


def test_text_is_kept_as_text_and_downloaded_not_shown(ncr, sign_in):
    client, token = sign_in("ivy")
    r = client.post(f"/api/v1/ncrs/{ncr}/attachments", params={"filename": "readings.html"}, content=b"torque 2.5\n",
                    headers={"content-type": "text/html", "X-CSRF-Token": token})
    assert r.status_code == 201 and r.json()["content_type"] == "text/plain"
    got = client.get(f"/api/v1/ncrs/{ncr}/attachments/{r.json()['id']}")
    assert got.headers["content-type"].startswith("text/plain")
    assert got.headers["content-disposition"].startswith('attachment; filename="readings.html.txt"')

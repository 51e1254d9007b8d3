"""An attestation's document: kept only when its bytes are a type on the allow-list, under a safe name, and
served as what its bytes are (a download unless it is a safe image or a PDF)."""
import pytest
from fastapi.testclient import TestClient

from factory import actor
from lrip.app import create_app
from lrip.auth.service import create_token
from lrip.errors import Refused
from lrip.readiness import service

HTML = b"<html><body><script>alert(document.cookie)</script></body></html>"


def attest(session, password, name: str, content: bytes):
    return service.attest(session, actor(session, "pam"), program="ACT", topic="funding", statement="funds released",
                          attachment_name=name, attachment=content, password=password)


def test_an_html_page_is_not_kept_whatever_its_name(gate, password):
    with pytest.raises(Refused) as exc:
        attest(gate, password, "funding.pdf", HTML)
    assert exc.value.reasons == ["funding.pdf is an HTML page; lrip keeps only PNG, JPEG, GIF and WebP images, PDF "
                                 "documents, plain text and CSV files"]


def test_the_name_is_kept_safe_and_fits_the_type(gate, password):
    kept = attest(gate, password, "memo\"; filename*=UTF-8''x.html", b"%PDF-1.4 memo")
    assert kept.attachment == "memo_ filename_UTF-8_x.html.pdf"


@pytest.fixture
def client(gate, db_url):
    gate.commit()
    token = create_token(gate, actor(gate, "admin"), username="pam", name="test").token
    gate.commit()
    return TestClient(create_app(db_url), headers={"Authorization": f"Bearer {token}"})


def test_a_pdf_is_shown_and_text_is_downloaded(gate, password, client):
    pdf = attest(gate, password, "plan.pdf", b"%PDF-1.4 the facilities plan")
    text = attest(gate, password, "risks.html", b"risk 1: motor supply\n")
    gate.commit()
    got = client.get(f"/api/v1/programs/ACT/readiness/attestations/{pdf.id}/attachment")
    assert got.headers["content-type"] == "application/pdf"
    assert got.headers["content-disposition"].startswith('inline; filename="plan.pdf"')
    got = client.get(f"/api/v1/programs/ACT/readiness/attestations/{text.id}/attachment")
    assert got.headers["content-type"].startswith("text/plain")
    assert got.headers["content-disposition"].startswith('attachment; filename="risks.html.txt"')

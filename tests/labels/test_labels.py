"""Labels: a unit's or a lot's traveler cover sheets and serial labels, as PDF from the CLI, the API and the
lot page's print button. The Code 128 on every label is read back from the PDF itself, rendered to pixels
(pypdfium2) and decoded (zxing-cpp), as a station's scanner would: the text it types is exactly the serial,
and the traveler's scan box opens that unit with it."""
import io
import json
import re

import pypdfium2
import pytest
import zxingcpp
from fastapi.testclient import TestClient
from pypdf import PdfReader
from typer.testing import CliRunner

from factory import PM, PM_PASSWORD, actor, build_line
from lrip.app import create_app
from lrip.auth.service import create_token, set_password
from lrip.cli import app
from lrip.db import unit_of_work
from lrip.execution import service as execution
from lrip.labels.barcodes import code128_svg
from lrip.labels.service import label_sheet
from reading import counting
from weasyprint import HTML

runner = CliRunner()
SERIALS = ["SN-0001", "sn-0002", "A.7_x-99"]  # upper and lower case, '.', '_': what an identifier allows


@pytest.fixture
def url(sqlite_url, monkeypatch, tmp_path):
    monkeypatch.setenv("LRIP_HOME", str(tmp_path / "home"))
    with unit_of_work(sqlite_url) as session:
        build_line(session, lot_quantity=5)
        execution.create_units(session, actor(session, PM), lot="L1", serials=SERIALS)
        set_password(session, actor(session, "admin"), username="olga", password=PM_PASSWORD)
    return sqlite_url


def token(url, who="olga"):
    with unit_of_work(url) as session:
        return create_token(session, actor(session, "admin"), username=who, name="labels").token


def barcodes_in(pdf: bytes) -> list[list[str]]:
    """Every barcode zxing-cpp reads on each page, rendered at 300 dpi: (format, text)."""
    pages = []
    for page in pypdfium2.PdfDocument(pdf):
        image = page.render(scale=300 / 72).to_pil()
        pages.append([(r.format.name, r.text) for r in zxingcpp.read_barcodes(image)])
    return pages


def test_a_lot_prints_a_cover_sheet_per_unit_and_a_sheet_of_labels_that_scan_back_to_their_serials(url, tmp_path):
    out = tmp_path / "L1.pdf"
    r = runner.invoke(app, ["label", "L1", "--pdf", str(out), "--db", url, "--json"], env={"LRIP_TOKEN": token(url)})
    assert r.exit_code == 0, r.stdout
    sheet = json.loads(r.stdout)
    assert (sheet["kind"], sheet["lot"], sheet["part"], [u["serial"] for u in sheet["units"]]) == (
        "lot", "L1", "ACT-100 rev A", SERIALS)
    assert [o["sequence"] for o in sheet["operations"]] == [10, 20, 30]
    pdf = out.read_bytes()
    pages = barcodes_in(pdf)
    assert len(pages) == 4  # three cover sheets, one sheet of labels
    for serial, page in zip(SERIALS, pages):
        assert page == [("Code128", serial)]
    assert sorted(text for _, text in pages[3]) == sorted(SERIALS)
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert "Traveler" in text and "SN-0001" in text and "Assemble" in text and "WI-10 rev A" in text


def test_the_scan_box_opens_the_unit_whose_label_was_scanned(url):
    client = TestClient(create_app(url))
    client.post("/login", data={"username": "olga", "password": PM_PASSWORD, "next": "/",
                                "csrf_token": re.search(r'name="csrf_token" value="([^"]+)"',
                                                        client.get("/login").text).group(1)},
                follow_redirects=False)
    pdf = client.get("/labels/a.7_X-99.pdf")  # found regardless of case
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    [[(_, scanned)], labels] = barcodes_in(pdf.content)
    assert scanned == "A.7_x-99" and labels == [("Code128", "A.7_x-99")]
    opened = client.get("/traveler", params={"serial": scanned}, follow_redirects=False)
    assert (opened.status_code, opened.headers["location"]) == (303, "/units/A.7_x-99")
    lot = client.get("/lots/L1").text
    assert 'href="/labels/L1.pdf"' in lot and "Print travelers and labels" in lot
    assert client.get("/labels/NOPE.pdf").status_code == 404


def test_the_api_gives_the_sheet_and_the_pdf_and_refuses_unknown_identifiers(url):
    client = TestClient(create_app(url), headers={"Authorization": f"Bearer {token(url)}"})
    sheet = client.get("/api/v1/labels/SN-0001")
    assert sheet.status_code == 200 and (sheet.json()["kind"], [u["serial"] for u in sheet.json()["units"]]) == (
        "unit", ["SN-0001"])
    pdf = client.get("/api/v1/labels/L1/pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    missing = client.get("/api/v1/labels/NOPE")
    assert missing.status_code == 404 and missing.json()["reasons"] == ["No unit or lot NOPE"]
    assert client.get("/api/v1/labels/bad%20id").status_code == 422


def test_the_cli_refuses_without_writing_a_file(url, tmp_path):
    out = tmp_path / "none.pdf"
    r = runner.invoke(app, ["label", "NOPE", "--pdf", str(out), "--db", url, "--json"],
                      env={"LRIP_TOKEN": token(url)})
    assert r.exit_code == 2 and json.loads(r.stdout)["reasons"] == ["No unit or lot NOPE"]
    assert not out.exists()


@pytest.mark.parametrize("serial", ["SN200-0001", "12345678", "a", "ACT-200.L3_x"])
def test_the_symbol_encodes_exactly_the_serial(serial):
    """Code 128 from python-barcode, rendered by WeasyPrint's own SVG path would be the PDF's; here the SVG
    alone, rasterised through a one-image PDF, decodes to the serial and nothing else (no check digit,
    no prefix, no code-set characters leak into the text)."""
    svg = code128_svg(serial).decode()
    pdf = HTML(string=f"<html><body style='margin:10mm'>{svg[svg.index('<svg'):]}</body></html>").write_pdf()
    assert barcodes_in(pdf)[0] == [("Code128", serial)]


def test_a_lots_labels_take_the_same_statements_whatever_its_size(url):
    def statements(session) -> int:
        session.expire_all()
        with counting(session) as sent:
            label_sheet(session, actor(session, "olga"), identifier="L1")
        return len(sent)

    with unit_of_work(url) as session:
        few = statements(session)
        execution.create_units(session, actor(session, PM), lot="L1", serials=["SN-0004", "SN-0005"])
        assert statements(session) == few

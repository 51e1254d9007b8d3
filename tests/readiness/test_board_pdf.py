"""The demo's readiness PDF read as a review board reads it, page by page (pypdfium2 gives the text and where
each character sits): the executive summary first, contents whose page numbers are right, the criteria in
their order, no half-empty page but the last of a section, no dead link and no command line, figures
numbered, and text no smaller than 8 pt anywhere (charts included)."""
import re
import shutil

import pypdfium2 as pdfium
import pytest

from lrip.auth.actor import INSTALLATION
from lrip.config import database_url
from lrip.db import unit_of_work
from lrip.demo import PROGRAM
from lrip.readiness import report, service

MM = 72 / 25.4
TOP, BOTTOM = 18 * MM, 20 * MM  # the page margins of report.html
SECTIONS = ("Executive summary", "Contents", "The criteria at a glance")
"""Headings that start a section on a new page: the page before each may be short, and so may the last."""


@pytest.fixture(scope="module")
def board(demo_template, tmp_path_factory):
    """The run's 12-unit demo assessed twice (so there is a "since the last assessment"), its package written once."""
    path = tmp_path_factory.mktemp("demo") / "lrip.db"
    shutil.copy(demo_template, path)
    url = database_url(f"sqlite:///{path}")
    for _ in range(2):
        with unit_of_work(url) as session:
            service.evaluate(session, INSTALLATION, program=PROGRAM)
    out = tmp_path_factory.mktemp("package")
    with unit_of_work(url) as session:
        report.write_package(session, INSTALLATION, program=PROGRAM, out=out)
    pdf = pdfium.PdfDocument(out / "report.pdf")
    pages = []
    for page in pdf:
        text = page.get_textpage()
        chars = [(text.get_text_range(i, 1), text.get_charbox(i)) for i in range(text.count_chars())]
        pages.append({"text": text.get_text_range(), "height": page.get_height(), "chars": chars})
    return out, pages


STATUS = r"(?:✓|✗|\?|W) (?:Pass|Fail|Not enough data|Waived)"


def _page_of(pages, heading: str, *, skip: int = 0) -> int:
    """The 1-based number of the first page (but page `skip`) with `heading` on a line of its own (a
    criterion's heading ends with its status)."""
    line = re.compile(rf"^\s*{re.escape(heading)}(?: {STATUS})?\s*$", re.M)
    return next(n for n, p in enumerate(pages, 1) if n != skip and line.search(p["text"]))


def _contents(pages) -> list[tuple[str, int]]:
    page = pages[_page_of(pages, "Contents") - 1]["text"]
    entries = re.findall(r"^\s*(\S.*?)\s*(?:\.\s*){3,}(\d+)\s*$", page, re.M)
    return [(title.strip(), int(number)) for title, number in entries]


def test_the_executive_summary_comes_first(board):
    _, pages = board
    assert _page_of(pages, "Executive summary") in (1, 2)
    summary = pages[_page_of(pages, "Executive summary") - 1]["text"]
    assert "Blocking findings" in summary and "Conditions and waivers" in summary
    assert "What changed since the last assessment" in summary
    assert "Owner" in summary.title() or "OWNER" in summary  # each blocking finding names its owner and due date
    assert "Decision signatures" in pages[0]["text"]  # the signature block on the cover


def test_the_contents_give_the_right_pages(board):
    _, pages = board
    contents = _contents(pages)
    criteria = [t for t, _ in contents if re.match(r"\d+\. ", t)]
    assert len(criteria) == 11 and "Executive summary" in dict(contents)
    toc = _page_of(pages, "Contents")
    for title, number in contents:
        assert _page_of(pages, title, skip=toc) == number, f"contents say {title!r} is on page {number}"


def test_the_criteria_come_in_their_order(board):
    _, pages = board
    after = _page_of(pages, "Contents")  # the contents list them too
    text = "\n".join(p["text"] for p in pages[after:])
    numbers = [int(n) for n in re.findall(rf"^(\d+)\. \S.*? {STATUS}\s*$", text, re.M)]
    assert numbers == list(range(1, 12))


def _fill(page) -> float:
    """How much of the page's text area is used, from its top margin to its lowest character."""
    bottoms = [box[1] for ch, box in page["chars"] if ch.strip() and box[1] > BOTTOM]
    if not bottoms:
        return 0.0
    area = page["height"] - TOP - BOTTOM
    return (page["height"] - TOP - min(bottoms)) / area


def test_no_page_is_less_than_a_third_full_but_the_last_of_a_section(board):
    _, pages = board
    starts = {_page_of(pages, heading) for heading in SECTIONS}
    exempt = {n - 1 for n in starts} | {1, len(pages)}  # the cover is a section of its own
    short = [(n, round(_fill(p), 2)) for n, p in enumerate(pages, 1) if n not in exempt and _fill(p) < 1 / 3]
    assert short == []


def test_no_dead_link_and_no_command_line(board):
    out, pages = board
    text = "\n".join(p["text"] for p in pages)
    assert "file://" not in text and b"file://" not in (out / "report.pdf").read_bytes()
    assert b"/URI" not in (out / "report.pdf").read_bytes()  # every link stays inside the document
    assert re.findall(r"\blrip [a-z]+", text) == []
    assert "evidence.csv" in text and "key_characteristics.csv" in text  # records by the package's files


def test_figures_are_numbered_in_order_with_captions(board):
    _, pages = board
    text = "\n".join(p["text"] for p in pages)
    numbers = [int(n) for n in re.findall(r"Figure (\d+)\. \S", text)]
    assert numbers and numbers == list(range(1, len(numbers) + 1))


def test_figures_are_vector_drawings_whose_words_are_text(board):
    """The figures were PNG at 180 dpi: on paper or zoomed they blurred, and no label could be searched."""
    out, pages = board
    page = next(p["text"] for p in pages if "Figure 1." in p["text"])
    assert "yield (% of units)" in page and "first-pass yield" in page  # the yield chart's axis and legend
    assert b"/Subtype /Image" not in (out / "report.pdf").read_bytes()


def test_no_text_is_smaller_than_8_points(board):
    """Digits of DejaVu Sans stand 0.73 em tall: 8 pt text has digits 5.8 pt tall (a chart of a screen's size
    shrunk onto the page had its legend at 5.5 pt, digits 4 pt)."""
    _, pages = board
    heights = [(n, ch, round(box[3] - box[1], 1)) for n, p in enumerate(pages, 1) for ch, box in p["chars"]
               if ch in "0123456789" and box[1] > BOTTOM]
    assert min(h for _, _, h in heights) >= 5.6, sorted(heights, key=lambda x: x[2])[:5]

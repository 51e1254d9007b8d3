"""The report's PAdES signature (lrip.readiness.signing): the signer made once per installation key and kept,
never used once the key is replaced (signing inside a running event loop: tests/test_keys.py)."""
import pytest
from weasyprint import HTML

from lrip import keys
from lrip.readiness import signing


@pytest.fixture(scope="module")
def pdf() -> bytes:
    return HTML(string="<h1>ACT-200 readiness assessment 1</h1><p>GO WITH CONDITIONS</p>").write_pdf()


def test_the_signer_is_made_once_per_key_and_a_replaced_key_is_never_signed_with(pdf, tmp_path):
    where = keys.init(tmp_path / "keys").directory
    signing._signer_of.cache_clear()
    first = signing.sign_pdf(pdf, reason="first", directory=where)
    second = signing.sign_pdf(pdf, reason="second", directory=where)
    assert (signing._signer_of.cache_info().misses, signing._signer_of.cache_info().hits) == (1, 1)
    old = keys.public_key(where)
    assert signing.pdf_problems("report.pdf", first, old) == signing.pdf_problems("report.pdf", second, old) == []
    for name in (keys.PRIVATE, keys.PUBLIC):  # the key replaced in the same place; its certificate no longer fits
        (where / name).unlink()
    keys.init(where)
    third = signing.sign_pdf(pdf, reason="third", directory=where)
    assert signing._signer_of.cache_info().misses == 2
    assert signing.pdf_problems("report.pdf", third, keys.public_key(where)) == []
    assert signing.pdf_problems("report.pdf", third, old) == [
        f"report.pdf: signed by another key (Common Name: lrip installation key {keys.public_fingerprint(where)[:16]}, "
        "Organization: lrip), not the package's installation key"]

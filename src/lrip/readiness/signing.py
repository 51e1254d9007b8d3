"""How an evidence package proves itself without lrip's database: the manifest's detached Ed25519
signature and the report's PAdES signature, both by the installation key (lrip.keys), and the
self-signed X.509 certificate of that key that PDF signatures need.

The certificate (installation.crt, PEM) is kept beside the key; it is made the first time a package
is signed and made again only if the key beside it is not the one it certifies. It carries no trust
of its own: a reviewer trusts the key by its SHA-256 fingerprint, printed on the report's cover and
given to them apart from the package.

pyHanko and its dependencies take about a second to import, so they are imported when a PDF is
signed or checked, not when lrip starts; their import warns that DSA is deprecated (lrip uses no DSA).

The pyHanko signer is made once per key and certificate and kept for the process (`_signer_of`), so the
certificate and key are parsed once, not for every package.
"""
from __future__ import annotations

import asyncio
import functools
import io
import warnings
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from lrip import keys
from lrip.config import keys_dir

CERTIFICATE = "installation.crt"
FIELD = "lrip-evidence"
DOCUMENT_SIGNING = x509.ObjectIdentifier("1.3.6.1.5.5.7.3.36")  # id-kp-documentSigning (RFC 9336)
VALID_FOR = timedelta(days=365 * 30)
SIGNATURE_BYTES = 4096  # room for the CMS signature (about 1.5 KB), so pyHanko need not sign twice to size it
warnings.filterwarnings("ignore", message="DSA is deprecated")


def _raw(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def _make_certificate(directory: Path) -> x509.Certificate:
    key = keys.load(directory)
    fingerprint = keys.fingerprint(key.public_key())
    name = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "lrip"),
                      x509.NameAttribute(NameOID.COMMON_NAME, f"lrip installation key {fingerprint[:16]}")])
    now = datetime.now(timezone.utc)
    return (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1)).not_valid_after(now + VALID_FOR)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=True, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False, key_cert_sign=False,
                                         crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.ExtendedKeyUsage([DOCUMENT_SIGNING, ExtendedKeyUsageOID.EMAIL_PROTECTION]),
                           critical=False)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .sign(key, None))


def certificate(directory: Path | str | None = None) -> x509.Certificate:
    """The installation key's self-signed certificate, made and kept beside the key when missing."""
    where = Path(directory) if directory is not None else keys_dir()
    path = where / CERTIFICATE
    if path.is_file():
        cert = x509.load_pem_x509_certificate(path.read_bytes())
        if _raw(cert.public_key()) == _raw(keys.public_key(where)):
            return cert
    cert = _make_certificate(where)
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return cert


def certificate_pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def _signer(where: Path):
    """The pyHanko signer of the installation key and its certificate, as the files in `where` are now."""
    cert = certificate(where)  # made (and kept beside the key) when missing or not this key's
    key = keys.load(where).private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                         serialization.NoEncryption())
    return _signer_of(key, cert.public_bytes(serialization.Encoding.DER))


@functools.lru_cache(maxsize=4)
def _signer_of(key: bytes, cert: bytes):
    """One signer per key and certificate (their DER bytes are the cache's key: a replaced key is never the one
    signed with)."""
    # pyHanko: imported on first use (see the module docstring)
    from asn1crypto import keys as asn1_keys, x509 as asn1_x509
    from pyhanko.sign import signers
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    certified = asn1_x509.Certificate.load(cert)
    return signers.SimpleSigner(signing_cert=certified, signing_key=asn1_keys.PrivateKeyInfo.load(key),
                                cert_registry=SimpleCertificateStore.from_certs([certified]))


def sign_pdf(pdf: bytes, *, reason: str, directory: Path | str | None = None) -> bytes:
    """The PDF with a PAdES B-B signature by the installation key (an incremental update covering the
    whole file); Ed25519 signs with SHA-512, as RFC 8419 asks."""
    # pyHanko: imported on first use (see the module docstring)
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    signer = _signer(Path(directory) if directory is not None else keys_dir())
    meta = signers.PdfSignatureMetadata(field_name=FIELD, md_algorithm="sha512", reason=reason,
                                        subfilter=fields.SigSeedSubFilter.PADES)
    return _outside_any_loop(lambda: signers.sign_pdf(IncrementalPdfFileWriter(io.BytesIO(pdf)), meta,
                                                      signer=signer, bytes_reserved=SIGNATURE_BYTES).getvalue())


def _outside_any_loop(call):
    """pyHanko's synchronous calls run an asyncio loop of their own (asyncio.run), which Python refuses on a
    thread whose loop is already running (a server's, a browser test's): there they get a thread of their own."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:  # no loop running on this thread
        return call()
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(call).result()


def pdf_problems(name: str, pdf: bytes, public_key: Ed25519PublicKey | None) -> list[str]:
    """Every reason the PDF's signature does not show it unchanged since the installation key signed it."""
    # pyHanko: imported on first use (see the module docstring)
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    try:
        signatures = PdfFileReader(io.BytesIO(pdf), strict=False).embedded_signatures
    except Exception as exc:  # pyHanko raises many kinds on a damaged file; each means the same here
        return [f"{name}: cannot be read as a PDF ({exc})"]
    if not signatures:
        return [f"{name}: carries no signature"]
    signature = signatures[-1]
    cert = signature.signer_cert
    status = _outside_any_loop(lambda: validate_pdf_signature(
        signature, ValidationContext(trust_roots=[cert], allow_fetching=False)))
    problems = []
    if not (status.intact and status.valid):
        problems.append(f"{name}: its signature does not match its content (the PDF was changed after it was signed)")
    elif status.coverage.name != "ENTIRE_FILE":
        problems.append(f"{name}: content was added after it was signed (its signature covers only part of the file)")
    signer = serialization.load_der_public_key(cert.public_key.dump())
    if public_key is not None and (not isinstance(signer, Ed25519PublicKey) or _raw(signer) != _raw(public_key)):
        problems.append(f"{name}: signed by another key ({cert.subject.human_friendly}), not the package's "
                        "installation key")
    return problems

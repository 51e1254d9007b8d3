"""The installation key: one Ed25519 key pair kept outside the database, so that whoever can write
the database still cannot sign. It signs the audit trail's checkpoints (lrip.audit.checkpoint) and
the evidence packages.

Where: `config.keys_dir()`, i.e. $LRIP_KEYS_DIR, else $LRIP_HOME/keys (default ~/.config/lrip/keys).

    installation.key      the private key, PKCS#8 PEM, mode 0600 (the directory is 0700)
    installation.pub      the public key, SubjectPublicKeyInfo PEM: give it to reviewers
    checkpoints.jsonl     the signed checkpoints of the audit chain, one JSON object a line, appended

The API other areas use (every function takes an optional directory, default `config.keys_dir()`):

    keys.init()                      create the pair (refused when one exists); -> KeyInfo
    keys.load()                      the private key (Ed25519PrivateKey); NoKey when there is none
    keys.public_key()                the public key (Ed25519PublicKey)
    keys.public_pem()                the public key as PEM bytes, to put in a package
    keys.public_fingerprint()        SHA-256 of the raw 32-byte public key, 64 hex digits
    keys.fingerprint(public_key)     the same, of any Ed25519 public key (one read from a package)
    keys.sign(data)                  the 64-byte Ed25519 signature of `data` by the installation key
    keys.verify(public_key, signature, data)   True when `signature` is `public_key`'s signature of `data`

Back it up by copying the directory (the private key file is the one that matters); a lost key
cannot sign again, and a new key is not the one earlier checkpoints and packages were signed with.
"""
from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from lrip.config import keys_dir
from lrip.errors import Conflict, Refused

PRIVATE = "installation.key"
PUBLIC = "installation.pub"
CHECKPOINTS = "checkpoints.jsonl"


class NoKey(Refused):
    """There is no installation key where the configuration says; `lrip keys init` makes one."""

    def __init__(self, directory: Path):
        super().__init__("no_installation_key", f"there is no installation key in {directory}; create one with "
                                                "`lrip keys init` (or set LRIP_KEYS_DIR to where it is)")


@dataclass(frozen=True)
class KeyInfo:
    directory: Path
    private: Path
    public: Path
    fingerprint: str


def _dir(directory: Path | str | None) -> Path:
    return Path(directory) if directory is not None else keys_dir()


def fingerprint(public_key: Ed25519PublicKey) -> str:
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()


def init(directory: Path | str | None = None) -> KeyInfo:
    """Create the key pair; refused when the directory already holds one (it would orphan every checkpoint)."""
    where = _dir(directory)
    private = where / PRIVATE
    if private.exists():
        raise Conflict("key_exists", f"{private} exists already; lrip never replaces an installation key")
    where.mkdir(parents=True, exist_ok=True, mode=0o700)
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    fd = os.open(private, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)  # never readable by others, not even briefly
    with os.fdopen(fd, "wb") as f:
        f.write(pem)
    public = where / PUBLIC
    public.write_bytes(_pem(key.public_key()))
    return KeyInfo(where, private, public, fingerprint(key.public_key()))


def exists(directory: Path | str | None = None) -> bool:
    return (_dir(directory) / PRIVATE).is_file()


def load(directory: Path | str | None = None) -> Ed25519PrivateKey:
    where = _dir(directory)
    try:
        key = serialization.load_pem_private_key((where / PRIVATE).read_bytes(), password=None)
    except FileNotFoundError:
        raise NoKey(where) from None
    if not isinstance(key, Ed25519PrivateKey):
        raise Refused("key_invalid", f"{where / PRIVATE} is not an Ed25519 private key")
    return key


def public_key(directory: Path | str | None = None) -> Ed25519PublicKey:
    """The public key, from its own file (a verifier given only the public half needs no private key)."""
    where = _dir(directory)
    try:
        return load_public_pem((where / PUBLIC).read_bytes())
    except FileNotFoundError:
        return load(where).public_key()


def load_public_pem(pem: bytes) -> Ed25519PublicKey:
    key = serialization.load_pem_public_key(pem)
    if not isinstance(key, Ed25519PublicKey):
        raise Refused("key_invalid", "the public key is not an Ed25519 key")
    return key


def _pem(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def public_pem(directory: Path | str | None = None) -> bytes:
    return _pem(public_key(directory))


def public_fingerprint(directory: Path | str | None = None) -> str:
    return fingerprint(public_key(directory))


def sign(data: bytes, directory: Path | str | None = None) -> bytes:
    return load(directory).sign(data)


def verify(key: Ed25519PublicKey, signature: bytes, data: bytes) -> bool:
    try:
        key.verify(signature, data)
    except InvalidSignature:
        return False
    return True


def checkpoints_file(directory: Path | str | None = None) -> Path:
    return _dir(directory) / CHECKPOINTS

"""The engineering tests' people and files: an admin, mel the manufacturing engineer, quinn the quality
engineer and olga the operator (each with a password, for the pages), and the example product definition
file shipped in examples/pmp-40 with its image."""
from pathlib import Path

import pytest

from factory import actor
from lrip.auth.actor import INSTALLATION
from lrip.auth.service import create_user
from lrip.catalog import product, productfile
from lrip.db import unit_of_work

EXAMPLE = Path(__file__).parents[2] / "examples" / "pmp-40" / "product.yaml"
PASSWORD = "engineers-sign-in-42"
PEOPLE = [("mel", "Mel Engineer", ["manufacturing_engineer"]), ("quinn", "Quinn Quality", ["quality_engineer"]),
          ("olga", "Olga Operator", ["operator"]), ("vera", "Vera Viewer", ["viewer"])]


def people(session) -> None:
    create_user(session, INSTALLATION, username="admin", full_name="Ada Admin", roles=["admin"], password=PASSWORD)
    for username, name, roles in PEOPLE:
        create_user(session, actor(session, "admin"), username=username, full_name=name, roles=roles,
                    password=PASSWORD)


def example(text: str | None = None) -> tuple[dict, dict, dict]:
    """The example file (or `text` in its place, beside it) as the importer takes it: data, lines, images."""
    data, lines = productfile.read(text if text is not None else EXAMPLE.read_text(), "product.yaml")
    images = {n: (EXAMPLE.parent / n).read_bytes() for n in productfile.image_names(data)
              if (EXAMPLE.parent / n).is_file()}
    return data, lines, images


def load(session, text: str | None = None, *, who: str = "mel", dry_run: bool = False):
    data, lines, images = example(text)
    return product.import_product(session, actor(session, who), data, images, dry_run=dry_run, lines=lines)


@pytest.fixture
def team(session):
    """The people, in the test's unit of work."""
    people(session)
    return session


@pytest.fixture
def pump_url(sqlite_url):
    """A database with the people and the example product imported, committed (for the CLI, API and pages)."""
    with unit_of_work(sqlite_url) as session:
        people(session)
        load(session)
    return sqlite_url

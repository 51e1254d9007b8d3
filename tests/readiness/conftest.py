"""Fixtures of the readiness tests: the small LRIP line of gate_line.py on both databases."""
import pytest

from readiness.gate_line import PASSWORD, build_gate_line


@pytest.fixture
def gate(session):
    """The line on both databases, with SN-1..SN-3 finished."""
    build_gate_line(session)
    return session


@pytest.fixture(name="password")
def password_fixture() -> str:
    """What every gate person signs with."""
    return PASSWORD

"""Property-based run of the whole API from its OpenAPI document (schemathesis):
no request a client can send gets a 500, and every response matches the schema.

Bounded: a few dozen examples per operation, authenticated as an admin on a
small line, so it runs in seconds inside `make test`."""
import shutil

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import (content_type_conformance, negative_data_rejection, not_a_server_error,
                                 response_schema_conformance, status_code_conformance)
from factory import actor, build_line
from lrip.app import create_app
from lrip.auth.service import create_token
from lrip.db import unit_of_work
from lrip.execution.service import create_unit, start_operation

CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance, content_type_conformance,
          negative_data_rejection]


def _app_and_token(tmp_dir):
    from lrip.migrate import upgrade

    path = tmp_dir / "schemathesis.db"
    url = f"sqlite:///{path}"
    upgrade(url)
    with unit_of_work(url) as session:
        build_line(session)
        admin = actor(session, "admin")
        for n in (1, 2):
            create_unit(session, admin, lot="L1", serial=f"SN-{n}")
        start_operation(session, actor(session, "olga"), serial="SN-1", operation=10, tools=["TQ-1"])
        token = create_token(session, admin, username="admin", name="schemathesis").token
    return create_app(url), token


_tmp = __import__("tempfile").mkdtemp(prefix="lrip-schemathesis-")
APP, TOKEN = _app_and_token(__import__("pathlib").Path(_tmp))
schema = schemathesis.openapi.from_asgi("/api/openapi.json", APP)


@schema.parametrize()
@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_the_api_never_fails_and_keeps_its_schema(case):
    case.call_and_validate(headers={"Authorization": f"Bearer {TOKEN}"}, checks=CHECKS)


@pytest.fixture(scope="module", autouse=True)
def _cleanup():
    yield
    shutil.rmtree(_tmp, ignore_errors=True)

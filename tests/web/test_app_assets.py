"""The API docs work without internet (Swagger UI from the installed swagger-ui-bundle, started by our own
script under the same Content-Security-Policy), and answers are compressed."""
from fastapi.testclient import TestClient

from lrip.app import create_app


def test_the_api_docs_load_nothing_from_outside(sqlite_url):
    client = TestClient(create_app(sqlite_url))
    page = client.get("/api/docs")
    assert page.status_code == 200
    assert "http" not in page.text.replace('content="width', "")  # no CDN, no absolute URL at all
    assert "cdn" not in page.headers["content-security-policy"] and "unsafe-inline' https" not in page.text
    assert "<script>" not in page.text  # the CSP runs no inline script: the starter is a file
    for asset in ("/api/docs/assets/swagger-ui-bundle.js", "/api/docs/assets/swagger-ui.css", "/static/swagger-init.js"):
        assert asset in page.text
        r = client.get(asset)
        assert r.status_code == 200 and len(r.content) > 100, asset
    assert "SwaggerUIBundle" in client.get("/static/swagger-init.js").text


def test_answers_are_gzipped(sqlite_url):
    client = TestClient(create_app(sqlite_url))
    r = client.get("/api/docs/assets/swagger-ui.css", headers={"Accept-Encoding": "gzip"})
    assert r.headers["content-encoding"] == "gzip"
    r = client.get("/login", headers={"Accept-Encoding": "gzip"})
    assert r.status_code == 200 and r.headers.get("content-encoding") == "gzip"
    assert client.get("/login", headers={"Accept-Encoding": "identity"}).headers.get("content-encoding") is None

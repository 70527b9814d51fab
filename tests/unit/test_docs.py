"""The local stack's documentation routes, served from files: nothing outside them is reachable."""

from __future__ import annotations

from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from clientele_local import docs
from tests.conftest import ROOT


def serve(path: str, method: str = "GET") -> object:
    return docs.serve(Request(EnvironBuilder(path=path, method=method).get_environ()), ROOT)


def test_the_document_the_page_and_its_assets() -> None:
    document = serve("/api/v1/openapi.json")
    assert document.status_code == 200  # type: ignore[attr-defined]
    assert document.get_data() == (ROOT / "docs" / "openapi.json").read_bytes()  # type: ignore[attr-defined]
    assert b"SwaggerUIBundle" in serve("/docs").get_data()  # type: ignore[attr-defined]
    assert serve("/docs/swagger-ui.css").content_type.startswith("text/css")  # type: ignore[attr-defined]


def test_paths_that_climb_out_of_the_assets_are_404() -> None:
    for path in ("/docs/../../../etc/passwd", "/docs/%2e%2e/%2e%2e/etc/passwd", "/docs/nope.js"):
        assert serve(path).status_code == 404, path  # type: ignore[attr-defined]


def test_other_requests_are_not_documentation() -> None:
    assert serve("/api/v1/consumers") is None
    assert serve("/api/v1/openapi.json", method="POST") is None

"""The console's files function: hashed assets cached for a year, every other path the app's page,
mounted at the root or under API Gateway's /<stage>."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from clientele.access import sessions
from clientele_local.inprocess import Context, load_function, sample_event

PAGE = '<!doctype html><html><head><script type="module" src="/app/assets/index-Ab12.js"></script></head></html>'


@pytest.fixture
def console(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    module = load_function("serve_console")
    (tmp_path / "assets").mkdir()
    (tmp_path / "index.html").write_text(PAGE)
    (tmp_path / "assets" / "index-Ab12.js").write_text("console.log(1)")
    (tmp_path / "assets" / "index-Ab12.css").write_text("body{}")
    (tmp_path / "assets" / "notes.txt").write_text("not an asset type")
    monkeypatch.setattr(module, "STATIC", tmp_path)
    module.assets.cache_clear()
    module.index.cache_clear()
    return module


def get(
    module: ModuleType, path: str | None, requested: str | None = None, headers: dict[str, str] | None = None
) -> dict[str, Any]:
    event = sample_event("serve_console")
    if headers is not None:
        event["headers"] = headers
    event["pathParameters"] = None if path is None else {"path": path}
    event["path"] = "/app" if path is None else f"/app/{path}"
    event["requestContext"]["path"] = requested if requested is not None else event["path"]
    return dict(module.lambda_handler(event, Context()))


@pytest.mark.parametrize("path", [None, "customers", "customers/cons_01ABC", "loyalty-programs", "sign-in"])
def test_every_console_route_answers_the_page_uncached(console: ModuleType, path: str | None) -> None:
    answer = get(console, path)
    assert answer["statusCode"] == 200
    assert answer["body"].startswith("<!doctype html>")
    assert answer["headers"]["Content-Type"] == "text/html; charset=utf-8"
    assert answer["headers"]["Cache-Control"] == "no-store"  # it may carry the caller's CSRF token
    policy = answer["headers"]["Content-Security-Policy"]
    assert "script-src 'self';" in policy
    assert "frame-ancestors 'none'" in policy


def test_at_the_root_the_page_is_told_it_has_no_prefix(console: ModuleType) -> None:
    body = get(console, "customers")["body"]
    assert '<meta name="clientele-prefix" content="" />' in body
    assert 'src="/app/assets/index-Ab12.js"' in body


def test_under_a_stage_the_page_and_its_assets_carry_the_prefix(console: ModuleType) -> None:
    """API Gateway's default endpoint: https://<id>.execute-api.<region>.amazonaws.com/dev/app/customers."""
    body = get(console, "customers/cons_01ABC", requested="/dev/app/customers/cons_01ABC")["body"]
    assert '<meta name="clientele-prefix" content="/dev" />' in body
    assert 'src="/dev/app/assets/index-Ab12.js"' in body


@pytest.mark.parametrize("requested", ['/"><script>x</script>/app/customers', "/a b/app/customers", "/other"])
def test_a_prefix_that_is_not_a_plain_path_is_never_written_into_the_page(console: ModuleType, requested: str) -> None:
    body = get(console, "customers", requested=requested)["body"]
    assert '<meta name="clientele-prefix" content="" />' in body
    assert "<script>x" not in body


@pytest.mark.parametrize(
    ("path", "kind"), [("assets/index-Ab12.js", "text/javascript"), ("assets/index-Ab12.css", "text/css")]
)
def test_hashed_assets_are_cached_for_a_year(console: ModuleType, path: str, kind: str) -> None:
    answer = get(console, path)
    assert answer["statusCode"] == 200
    assert answer["headers"]["Content-Type"].startswith(kind)
    assert answer["headers"]["Cache-Control"] == "public, max-age=31536000, immutable"


@pytest.mark.parametrize(
    "path",
    [
        "assets/missing.js",
        "assets/../index.html",
        "assets/x/../../app.py",
        "assets/notes.txt",
        "assets/index-Ab12.js\n",
    ],
)
def test_an_unknown_or_escaping_asset_is_a_404(console: ModuleType, path: str) -> None:
    answer = get(console, path)
    assert answer["statusCode"] == 404
    assert answer["headers"]["Cache-Control"] == "no-store"


def test_an_unbuilt_console_says_how_to_build_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    module = load_function("serve_console")
    monkeypatch.setattr(module, "STATIC", tmp_path / "nothing")
    module.assets.cache_clear()
    module.index.cache_clear()
    answer = module.lambda_handler(sample_event("serve_console"), Context())
    assert answer["statusCode"] == 503
    assert "make console" in answer["body"]


def test_on_aws_the_page_may_connect_only_to_itself_and_the_files_bucket(monkeypatch: pytest.MonkeyPatch) -> None:
    module = load_function("serve_console")
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.setenv("FILES_ORIGINS", "https://files.s3.amazonaws.com")
    module.security_headers.cache_clear()
    policy = module.security_headers()["Content-Security-Policy"]
    module.security_headers.cache_clear()
    assert "connect-src 'self' https://files.s3.amazonaws.com;" in policy


SECRET = "A" * 43


@pytest.mark.parametrize(
    ("headers", "secret"),
    [
        ({"Cookie": f"__Host-clientele_session={SECRET}"}, SECRET),  # API Gateway: HTTPS
        ({"Cookie": f"clientele_session={SECRET}", "X-Forwarded-Proto": "http"}, SECRET),  # the local stack
        ({"Cookie": f"clientele_session={SECRET}"}, None),  # the plain name over HTTPS: not ours
        ({"Cookie": f"__Host-clientele_session={SECRET}; __Host-clientele_session={SECRET}"}, None),
        ({"Cookie": "__Host-clientele_session=short"}, None),
        ({}, None),
    ],
)
def test_a_page_loaded_with_a_session_carries_its_csrf_token(
    console: ModuleType, headers: dict[str, str], secret: str | None
) -> None:
    """The same token the session functions derive (sessions.csrf_token), so the first calls need not
    wait for GET /app/session; without a session cookie, none."""
    body = get(console, "customers", headers=headers)["body"]
    if secret is None:
        assert "clientele-csrf" not in body
    else:
        assert f'<meta name="clientele-csrf" content="{sessions.csrf_token(secret)}" />' in body

"""The console's files function: hashed assets cached for a year, every other path the app's page."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import pytest

from clientele_local.inprocess import Context, load_function, sample_event


@pytest.fixture
def console(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    module = load_function("serve_console")
    (tmp_path / "assets").mkdir()
    (tmp_path / "index.html").write_text("<!doctype html><title>Clientele</title>")
    (tmp_path / "assets" / "index-Ab12.js").write_text("console.log(1)")
    (tmp_path / "assets" / "index-Ab12.css").write_text("body{}")
    monkeypatch.setattr(module, "STATIC", tmp_path)
    module.read.cache_clear()
    return module


def get(module: ModuleType, path: str | None) -> dict:
    event = sample_event("serve_console")
    event["pathParameters"] = None if path is None else {"path": path}
    return module.lambda_handler(event, Context())


@pytest.mark.parametrize("path", [None, "customers", "customers/cons_01ABC", "loyalty-programs", "sign-in"])
def test_every_console_route_answers_the_page_uncached(console: ModuleType, path: str | None) -> None:
    answer = get(console, path)
    assert answer["statusCode"] == 200
    assert answer["body"].startswith("<!doctype html>")
    assert answer["headers"]["Content-Type"] == "text/html; charset=utf-8"
    assert answer["headers"]["Cache-Control"] == "no-cache"
    policy = answer["headers"]["Content-Security-Policy"]
    assert "script-src 'self';" in policy
    assert "frame-ancestors 'none'" in policy


@pytest.mark.parametrize(
    ("path", "kind"), [("assets/index-Ab12.js", "text/javascript"), ("assets/index-Ab12.css", "text/css")]
)
def test_hashed_assets_are_cached_for_a_year(console: ModuleType, path: str, kind: str) -> None:
    answer = get(console, path)
    assert answer["statusCode"] == 200
    assert answer["headers"]["Content-Type"].startswith(kind)
    assert answer["headers"]["Cache-Control"] == "public, max-age=31536000, immutable"


@pytest.mark.parametrize("path", ["assets/missing.js", "assets/../index.html", "assets/x/../../app.py", "assets/a.py"])
def test_an_unknown_or_escaping_asset_is_a_404(console: ModuleType, path: str) -> None:
    answer = get(console, path)
    assert answer["statusCode"] == 404
    assert answer["headers"]["Cache-Control"] == "no-store"


def test_an_unbuilt_console_says_how_to_build_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    module = load_function("serve_console")
    monkeypatch.setattr(module, "STATIC", tmp_path / "nothing")
    module.read.cache_clear()
    answer = module.lambda_handler(sample_event("serve_console"), Context())
    assert answer["statusCode"] == 503
    assert "make console" in answer["body"]

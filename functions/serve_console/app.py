"""GET /app and /app/{path+}: the console, a single-page app built into static/ (`make console`).

Hashed assets are cached for a year; every other path is a console route and answers index.html,
which is never cached, so a deploy shows at the next load. No framework: this function only reads
files, and its cold start is the interpreter's.

The console may be mounted under a prefix: API Gateway's default endpoint serves the stage at
/<stage>/…, a custom domain (and the local stack) at the root. The page learns the prefix from a
meta tag, and its asset URLs are rewritten to carry it.

A page loaded with a session cookie also carries that session's CSRF token, so its first calls need
not wait for GET /app/session. The page is then the caller's own: it is never stored by a cache.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

STATIC = Path(__file__).parent / "static"
TYPES = {"js": "text/javascript; charset=utf-8", "css": "text/css; charset=utf-8", "svg": "image/svg+xml"}
PREFIX = re.compile(r"(/[A-Za-z0-9_-]+)*")  # a stage name, or nothing
TEXT = "text/plain; charset=utf-8"
# As clientele.access.sessions names and signs them (tests/unit/test_serve_console.py holds the two
# together): this function stays free of the layer, so its cold start is the interpreter's.
SESSION_COOKIES = {True: "__Host-clientele_session", False: "clientele_session"}
SESSION_SECRET = re.compile(r"[A-Za-z0-9_-]{43}")


@cache
def assets() -> dict[str, tuple[str, str]]:
    """{name: (body, content type)} of the built assets, read once: a request can only pick among them."""
    folder = STATIC / "assets"
    if not folder.is_dir():
        return {}
    found = {}
    for path in folder.iterdir():
        kind = TYPES.get(path.suffix.removeprefix("."))
        if kind is not None and path.is_file():
            found[path.name] = (path.read_text(encoding="utf-8"), kind)
    return found


@cache
def index() -> str | None:
    path = STATIC / "index.html"
    return path.read_text(encoding="utf-8") if path.is_file() else None


@cache
def security_headers() -> dict[str, str]:
    # The import page PUTs the CSV straight to the files bucket (a presigned URL): its origin is the
    # one other place the page may connect to. Locally that is the embedded moto server.
    endpoint = os.environ.get("AWS_ENDPOINT_URL")
    files = (
        f"{urlsplit(endpoint).scheme}://{urlsplit(endpoint).netloc}"
        if endpoint
        else os.environ.get("FILES_ORIGINS", "")
    )
    return {
        "Content-Security-Policy": (
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            f"connect-src 'self' {files}".rstrip()
            + "; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
        ),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
    }


def mount_prefix(event: dict[str, Any]) -> str:
    """What comes before /app in the caller's URL: requestContext.path is the path as requested
    (with /<stage> on the default endpoint), `path` the one the route matched."""
    requested = str((event.get("requestContext") or {}).get("path") or "")
    routed = str(event.get("path") or "")
    prefix = requested[: -len(routed)] if routed and requested.endswith(routed) else ""
    return prefix if PREFIX.fullmatch(prefix) else ""


def csrf_token(event: dict[str, Any]) -> str | None:
    """The CSRF token of the session the request's cookie names (whether the session is live is for the
    session authorizer to say), or None without exactly one well-formed session cookie."""
    headers = {name.lower(): value for name, value in (event.get("headers") or {}).items()}
    secure = (headers.get("x-forwarded-proto") or "https").lower() != "http"
    parts = (part.strip().partition("=") for part in (headers.get("cookie") or "").split(";"))
    values = [value for name, _, value in parts if name == SESSION_COOKIES[secure]]
    if len(values) != 1 or not SESSION_SECRET.fullmatch(values[0]):
        return None
    return hmac.new(values[0].encode(), b"clientele console csrf", hashlib.sha256).hexdigest()


def page(prefix: str, token: str | None) -> str | None:
    html = index()
    if html is None:
        return None
    meta = f'<meta name="clientele-prefix" content="{prefix}" />'
    if token is not None:
        meta += f'\n    <meta name="clientele-csrf" content="{token}" />'
    return html.replace('"/app/', f'"{prefix}/app/').replace("<head>", f"<head>\n    {meta}", 1)


def answer(status: int, body: str, content_type: str, cache_control: str) -> dict[str, Any]:
    headers = {"Content-Type": content_type, "Cache-Control": cache_control, **security_headers()}
    return {"statusCode": status, "headers": headers, "body": body, "isBase64Encoded": False}


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    path = (event.get("pathParameters") or {}).get("path") or ""
    if path.startswith("assets/"):
        asset = assets().get(path.removeprefix("assets/"))
        if asset is None:
            return answer(404, "Not found", TEXT, "no-store")
        return answer(200, asset[0], asset[1], "public, max-age=31536000, immutable")
    html = page(mount_prefix(event), csrf_token(event))
    if html is None:
        return answer(503, "The console is not built: run make console", TEXT, "no-store")
    return answer(200, html, "text/html; charset=utf-8", "no-store")

"""GET /app and /app/{path+}: the console, a single-page app built into static/ (`make console`).

Hashed assets are cached for a year; every other path is a console route and answers index.html,
which is never cached, so a deploy shows at the next load. No framework: this function only reads
files, and its cold start is the interpreter's.
"""

from __future__ import annotations

import os
import re
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

STATIC = Path(__file__).parent / "static"
ASSET = re.compile(r"^assets/[A-Za-z0-9._-]+\.(js|css|svg|woff2)$")
TYPES = {
    "js": "text/javascript; charset=utf-8",
    "css": "text/css; charset=utf-8",
    "svg": "image/svg+xml",
    "woff2": "font/woff2",
}


@cache
def security_headers() -> dict[str, str]:
    # The import page PUTs the CSV straight to S3 (a presigned URL): the files' origin is the one
    # other place the page may connect to. Locally that is the embedded moto server.
    endpoint = os.environ.get("AWS_ENDPOINT_URL")
    files = f"{urlsplit(endpoint).scheme}://{urlsplit(endpoint).netloc}" if endpoint else "https://*.amazonaws.com"
    return {
        "Content-Security-Policy": (
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            f"connect-src 'self' {files}; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
        ),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
    }


@cache
def read(relative: str) -> str | None:
    path = STATIC / relative
    return path.read_text(encoding="utf-8") if path.is_file() else None


def answer(status: int, body: str, content_type: str, cache_control: str) -> dict[str, Any]:
    headers = {"Content-Type": content_type, "Cache-Control": cache_control, **security_headers()}
    return {"statusCode": status, "headers": headers, "body": body, "isBase64Encoded": False}


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    path = (event.get("pathParameters") or {}).get("path") or ""
    if path.startswith("assets/"):
        body = read(path) if ASSET.match(path) else None
        if body is None:
            return answer(404, "Not found", "text/plain; charset=utf-8", "no-store")
        return answer(200, body, TYPES[path.rsplit(".", 1)[1]], "public, max-age=31536000, immutable")
    page = read("index.html")
    if page is None:
        return answer(503, "The console is not built: run make console", "text/plain; charset=utf-8", "no-store")
    return answer(200, page, "text/html; charset=utf-8", "no-cache")

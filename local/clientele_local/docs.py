"""The API's documents on the local stack: /api/v1/openapi.json (docs/openapi.json, which
`make openapi` generates from the code) and Swagger UI at /docs, served from the swagger-ui-bundle
package so it works with no network."""

from __future__ import annotations

import mimetypes
from pathlib import Path

from swagger_ui_bundle import swagger_ui_path
from werkzeug.wrappers import Request, Response

OPENAPI_PATH = "/api/v1/openapi.json"
DOCS_PATH = "/docs"

_PAGE = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Clientele API</title>
  <link rel="stylesheet" href="/docs/swagger-ui.css">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/docs/swagger-ui-bundle.js"></script>
  <script>window.ui = SwaggerUIBundle({url: "OPENAPI_PATH", dom_id: "#swagger-ui"});</script>
</body>
</html>
""".replace("OPENAPI_PATH", OPENAPI_PATH)


def serve(request: Request, project_root: Path) -> Response | None:
    """The answer for a documentation path, or None for every other request."""
    if request.method != "GET":
        return None
    if request.path == OPENAPI_PATH:
        document = project_root / "docs" / "openapi.json"
        if not document.is_file():
            return Response('{"message": "docs/openapi.json is missing: run make openapi"}', 404)
        return Response(document.read_bytes(), 200, content_type="application/json")
    if request.path in (DOCS_PATH, f"{DOCS_PATH}/"):
        return Response(_PAGE, 200, content_type="text/html; charset=utf-8")
    if request.path.startswith(f"{DOCS_PATH}/"):
        asset = Path(swagger_ui_path) / request.path.removeprefix(f"{DOCS_PATH}/")
        if asset.resolve().parent != Path(swagger_ui_path).resolve() or not asset.is_file():
            return Response("not found", 404)
        content_type = mimetypes.guess_type(asset.name)[0] or "application/octet-stream"
        return Response(asset.read_bytes(), 200, content_type=content_type)
    return None

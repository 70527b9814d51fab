"""GET /api/v1/merges/{id}"""

from typing import Any

from aws_lambda_powertools.event_handler import Response

from clientele.core import http as api
from clientele.merges.models import Merge
from clientele.merges.reads import get_merge

app = api.resolver()


@app.get(
    "/api/v1/merges/<id>",
    tags=["Merges"],
    summary="A merge and how far it is",
    description=(
        "`running` until every source is merged (`mergedIds`: those merged so far, each a tombstone now), then "
        "`succeeded`; `failed`, with `error`, when it could not go on (what was merged stays merged). `moves`: "
        "what the sources held when it started."
    ),
    responses=api.documented(200, Merge, "The merge"),
)
def read(id: str) -> Response[dict[str, Any]]:
    return api.json_response(200, get_merge(api.principal(app).tenant, id).to_api())


lambda_handler = api.handler(app)

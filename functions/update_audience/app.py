"""PUT /api/v1/audiences/{id}"""

from typing import Any

from aws_lambda_powertools.event_handler import Response

from clientele.audiences.models import Audience
from clientele.audiences.requests import AudienceUpdate
from clientele.audiences.service import update_audience
from clientele.core import http as api

app = api.resolver()


@app.put(
    "/api/v1/audiences/<id>",
    tags=["Audiences"],
    summary="Rename or describe an audience",
    description="Fields present in the body change; `null` clears the description.",
    responses=api.documented(200, Audience, "The updated audience"),
)
def update(id: str, request: AudienceUpdate) -> Response[dict[str, Any]]:
    return api.json_response(200, update_audience(api.principal(app).tenant, id, request).to_api())


lambda_handler = api.handler(app)

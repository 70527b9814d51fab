"""DELETE /api/v1/audiences/{id}"""

from typing import Any

from aws_lambda_powertools.event_handler import Response

from clientele.audiences.models import Audience
from clientele.audiences.service import delete_audience
from clientele.core import http as api

app = api.resolver()


@app.delete(
    "/api/v1/audiences/<id>",
    tags=["Audiences"],
    summary="Delete an audience",
    description="Gone at once; its members leave it in the background (their `audienceIds` follow within seconds).",
    responses=api.documented(200, Audience, "The deleted audience"),
)
def delete(id: str) -> Response[dict[str, Any]]:
    return api.json_response(200, delete_audience(api.principal(app).tenant, id).to_api())


lambda_handler = api.handler(app)

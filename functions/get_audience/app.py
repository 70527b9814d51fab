"""GET /api/v1/audiences/{id}"""

from typing import Any

from aws_lambda_powertools.event_handler import Response

from clientele.audiences.models import Audience
from clientele.audiences.service import get_audience
from clientele.core import http as api

app = api.resolver()


@app.get(
    "/api/v1/audiences/<id>",
    tags=["Audiences"],
    summary="Get an audience",
    responses=api.documented(200, Audience, "The audience"),
)
def get(id: str) -> Response[dict[str, Any]]:
    return api.json_response(200, get_audience(api.principal(app).tenant, id).to_api())


lambda_handler = api.handler(app)

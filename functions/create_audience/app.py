"""POST /api/v1/audiences"""

from typing import Any

from aws_lambda_powertools.event_handler import Response

from clientele.audiences.models import Audience
from clientele.audiences.requests import AudienceCreate
from clientele.audiences.service import create_audience
from clientele.core import http as api
from clientele.core import idempotency

app = api.resolver()


@app.post(
    "/api/v1/audiences",
    tags=["Audiences"],
    summary="Create an audience",
    responses=api.documented(201, Audience, "The audience"),
)
def create(request: AudienceCreate) -> Response[dict[str, Any]]:
    audience = idempotency.remembered(app, "create_audience", lambda tenant: create_audience(tenant, request).to_api())
    return api.json_response(201, audience)


lambda_handler = api.handler(app)

"""POST /api/v1/audiences"""

from typing import Any

from aws_lambda_powertools.event_handler import Response

from clientele import api, idempotency
from clientele.audiences import create_audience
from clientele.models import Audience, AudienceCreate

app = api.resolver()


@app.post("/api/v1/audiences", summary="Create an audience", responses=api.documented(201, Audience, "The audience"))
def create(request: AudienceCreate) -> Response[dict[str, Any]]:
    tenant = api.principal(app).tenant
    audience = idempotency.once(
        tenant,
        "create_audience",
        api.idempotency_key(app),
        api.json_body(app),
        lambda: create_audience(tenant, request).to_api(),
    )
    return api.json_response(201, audience)


lambda_handler = api.handler(app)

"""GET /api/v1/consumers/{id}"""

from typing import Any

from aws_lambda_powertools.event_handler import Response

from clientele.consumers.models import Consumer
from clientele.consumers.relations import with_relations
from clientele.consumers.service import get_consumer
from clientele.core import http as api

app = api.resolver()


@app.get(
    "/api/v1/consumers/<id>",
    tags=["Consumers"],
    summary="Get a consumer",
    description="`include=audiences,orders` adds those relations as lists. The `ETag` header is its version.",
    responses=api.documented(200, Consumer, "The consumer"),
)
def get(id: str, include: str | None = None) -> Response[dict[str, Any]]:
    tenant = api.principal(app).tenant
    consumer = get_consumer(tenant, id)
    (view,) = with_relations(tenant, [consumer], include)
    return api.json_response(200, view, version=consumer.version)


lambda_handler = api.handler(app)

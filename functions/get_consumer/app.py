"""GET /api/v1/consumers/{id}"""

from typing import Any

from aws_lambda_powertools.event_handler import Response

from clientele import api
from clientele.consumers import get_consumer
from clientele.models import Consumer
from clientele.relations import with_relations

app = api.resolver()


@app.get(
    "/api/v1/consumers/<id>",
    summary="Get a consumer",
    description="`include=audiences,orders` adds those relations as lists.",
    responses=api.documented(200, Consumer, "The consumer"),
)
def get(id: str, include: str | None = None) -> Response[dict[str, Any]]:
    consumer = get_consumer(api.principal(app).tenant, id)
    return api.json_response(200, with_relations(api.principal(app).tenant, consumer, include))


lambda_handler = api.handler(app)

"""GET /api/v1/consumers/{id}"""

from typing import Any

from aws_lambda_powertools.event_handler import Response

from clientele import api
from clientele.consumers import get_consumer, with_relations

app = api.resolver()


@app.get("/api/v1/consumers/<consumer_id>")
def get(consumer_id: str, include: str | None = None) -> Response[dict[str, Any]]:
    consumer = get_consumer(api.principal(app).tenant, consumer_id)
    return api.json_response(200, with_relations(consumer, include))


lambda_handler = api.handler(app)

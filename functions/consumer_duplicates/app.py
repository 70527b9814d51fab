"""GET /api/v1/consumers/{id}/duplicates"""

from typing import Any

from aws_lambda_powertools.event_handler import Response

from clientele.core import http as api
from clientele.duplicates.models import ConsumerDuplicates
from clientele.duplicates.service import consumer_duplicates

app = api.resolver()


@app.get(
    "/api/v1/consumers/<id>/duplicates",
    tags=["Duplicates"],
    summary="The profiles that are probably the same person as this one",
    description=(
        "The consumer's open duplicate suggestions, strongest first, each with both profiles, its reasons and "
        "score; `commonKeys`: its match keys shared by too many profiles to compare (an office phone, a common "
        "name in a big city), which suggest nothing."
    ),
    responses=api.documented(200, ConsumerDuplicates, "The suggestions"),
)
def duplicates(id: str) -> Response[dict[str, Any]]:
    return api.json_response(200, consumer_duplicates(api.principal(app).tenant, id).to_api())


lambda_handler = api.handler(app)

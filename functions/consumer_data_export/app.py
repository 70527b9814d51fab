"""GET /api/v1/consumers/{id}/data-export"""

from typing import Any

from aws_lambda_powertools.event_handler import Response

from clientele.core import http as api
from clientele.privacy.data_export import data_export

app = api.resolver()


@app.get(
    "/api/v1/consumers/<id>/data-export",
    tags=["Privacy"],
    summary="Everything held about a consumer (data-subject access)",
    description=(
        "One JSON document: the profile, every order, the loyalty summary and points transactions, the balance "
        "history, the audiences and the Klaviyo sync state."
    ),
    responses={200: {"description": "The consumer's data", "content": {"application/json": {}}}},
)
def export(id: str) -> Response[dict[str, Any]]:
    return api.json_response(200, data_export(api.principal(app).tenant, id))


lambda_handler = api.handler(app)

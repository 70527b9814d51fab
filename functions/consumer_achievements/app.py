"""GET /api/v1/consumers/{id}/achievements"""

from typing import Any

from aws_lambda_powertools.event_handler import Response

from clientele.core import http as api
from clientele.loyalty.models import ConsumerAchievements
from clientele.loyalty.service import achievements

app = api.resolver()


@app.get(
    "/api/v1/consumers/<id>/achievements",
    tags=["Loyalty"],
    summary="A consumer's achievements",
    description=(
        "Each achievement of the organization's loyalty programs as it stands for the consumer now (seed 003): "
        "progress and target in the current period, status (in_progress, completed, expired), the period's start "
        "and end (when it resets), and when it was completed. Orders and points move them in their own transactions."
    ),
    responses=api.documented(200, ConsumerAchievements, "The consumer's achievements"),
)
def get(id: str) -> Response[dict[str, Any]]:
    return api.json_response(200, achievements(api.principal(app).tenant, id).to_api())


lambda_handler = api.handler(app)

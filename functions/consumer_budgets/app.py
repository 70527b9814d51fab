"""GET /api/v1/consumers/{id}/budgets"""

from typing import Any

from aws_lambda_powertools.event_handler import Response

from clientele.core import http as api
from clientele.loyalty.models import ConsumerBudgets
from clientele.loyalty.service import budgets

app = api.resolver()


@app.get(
    "/api/v1/consumers/<id>/budgets",
    tags=["Loyalty"],
    summary="A consumer's profile budgets",
    description=(
        "Each budget of the organization's loyalty programs as it stands for the consumer now (seed 003): the "
        "limit, what is used in the current period (day, week from Monday, month, in the program's timezone, "
        "or never resetting), what remains and when it resets."
    ),
    responses=api.documented(200, ConsumerBudgets, "The consumer's budgets"),
)
def get(id: str) -> Response[dict[str, Any]]:
    return api.json_response(200, budgets(api.principal(app).tenant, id).to_api())


lambda_handler = api.handler(app)

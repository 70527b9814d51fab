"""GET /api/v1/consumers/stats"""

from datetime import UTC, datetime
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Query

from clientele.consumers.stats import MAX_PERIODS, ConsumerStats, StatsInterval, overview
from clientele.core import http as api

app = api.resolver()


@app.get(
    "/api/v1/consumers/stats",
    tags=["Consumers"],
    summary="Overview figures",
    description=(
        "Totals by status, membership, verification and tier, and the consumers created in each of the last "
        f"`periods` (1-{MAX_PERIODS}, default 12) days or ISO weeks (`interval`, default `week`), the current one "
        "included. Kept by the table's stream, so a change shows within seconds; a consumer deleted later no longer "
        "counts, in the totals or in the period it was created in."
    ),
    responses=api.documented(200, ConsumerStats, "The figures"),
)
def stats(
    interval: StatsInterval = StatsInterval.WEEK, periods: Annotated[int, Query(ge=1, le=MAX_PERIODS)] = 12
) -> Response[dict[str, Any]]:
    figures = overview(api.principal(app).tenant, interval, periods, datetime.now(UTC).date())
    return api.json_response(200, figures.to_api())


lambda_handler = api.handler(app)

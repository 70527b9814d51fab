"""GET /api/v1/consumers/{id}/loyalty/transactions"""

from datetime import datetime
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Query

from clientele.core import http as api
from clientele.core.models import Page
from clientele.loyalty.models import PointsTransaction
from clientele.loyalty.service import TransactionsRequest, transactions

app = api.resolver()


@app.get(
    "/api/v1/consumers/<id>/loyalty/transactions",
    tags=["Loyalty"],
    summary="A consumer's points transactions",
    description=(
        "Newest first, paged like the consumer list; `createdAfter` (included) and `createdBefore` (excluded) "
        "bound them, `programId` and `ledger` narrow them. `orderId` null marks a manual transaction."
    ),
    responses=api.documented(200, Page[PointsTransaction], "A page of transactions"),
)
def list_(
    id: str,
    program_id: Annotated[str | None, Query(alias="programId", max_length=40)] = None,
    ledger: Annotated[str | None, Query(max_length=64)] = None,
    created_after: Annotated[datetime | None, Query(alias="createdAfter")] = None,
    created_before: Annotated[datetime | None, Query(alias="createdBefore")] = None,
    first: api.PageSize = None,
    last: api.PageSize = None,
    after: str | None = None,
    before: str | None = None,
) -> Response[dict[str, Any]]:
    request = TransactionsRequest(program_id, ledger, created_after, created_before)
    page = api.page_request(first, last, after, before)
    return api.json_response(200, transactions(api.principal(app).tenant, id, request, page))


lambda_handler = api.handler(app)

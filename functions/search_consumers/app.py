"""GET /api/v1/consumers/search"""

from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Query

from clientele.consumers.listing import ExactRequest, search_consumers
from clientele.consumers.models import Consumer
from clientele.core import http as api
from clientele.core.models import Page
from clientele.core.paging import MAX_PAGE_SIZE

app = api.resolver()


@app.get(
    "/api/v1/consumers/search",
    tags=["Consumers"],
    summary="Search consumers",
    description=(
        "Exact `email`, `phone` (any format with its country code), `externalId` or `shopifyId` (a Shopify "
        "customer's id, or its GID, for consumers the Shopify integration tied to it): these see every write "
        "at once. Otherwise `q` (at least 2 characters) matches like the list's `search`. Given together, all must "
        "match."
    ),
    responses=api.documented(200, Page[Consumer], "A page of matching consumers"),
)
def search(
    q: Annotated[str | None, Query(max_length=100)] = None,
    email: Annotated[str | None, Query(max_length=254)] = None,
    phone: Annotated[str | None, Query(max_length=32)] = None,
    external_id: Annotated[str | None, Query(alias="externalId", max_length=255)] = None,
    shopify_id: Annotated[str | None, Query(alias="shopifyId", max_length=64)] = None,
    first: Annotated[int | None, Query(ge=1, le=MAX_PAGE_SIZE)] = None,
    after: str | None = None,
    include: str | None = None,
) -> Response[dict[str, Any]]:
    request = ExactRequest(
        email=email,
        phone=phone,
        external_id=external_id,
        shopify_id=shopify_id,
        q=q,
        first=first,
        after=after,
        include=include,
    )
    return api.json_response(200, search_consumers(api.principal(app).tenant, request))


lambda_handler = api.handler(app)

"""GET /api/v1/consumers/{id}/consent-log"""

from typing import Any

from aws_lambda_powertools.event_handler import Response

from clientele.consent.log import consent_log
from clientele.consent.models import ConsentChange
from clientele.core import http as api
from clientele.core.models import Page

app = api.resolver()


@app.get(
    "/api/v1/consumers/<id>/consent-log",
    tags=["Consumers"],
    summary="A consumer's consent log",
    description=(
        "Every change of the consumer's marketing consent, on every channel, newest first, paged like the "
        "consumer list: the state before and after, when and how it was given, the wording version, the IP and "
        "the key (or path: import, shopify) that recorded it. Records are never changed; an erasure removes them."
    ),
    responses=api.documented(200, Page[ConsentChange], "A page of consent changes"),
)
def log(
    id: str, first: api.PageSize = None, last: api.PageSize = None, after: str | None = None, before: str | None = None
) -> Response[dict[str, Any]]:
    page = api.page_request(first, last, after, before)
    return api.json_response(200, consent_log(api.principal(app).tenant, id, page))


lambda_handler = api.handler(app)

"""GET /api/v1/consumers/{id}/changes"""

from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Query

from clientele.consumers.changes import ProfileChange
from clientele.consumers.timeline import profile_changes
from clientele.core import http as api
from clientele.core.models import Page

app = api.resolver()


@app.get(
    "/api/v1/consumers/<id>/changes",
    tags=["Consumers"],
    summary="A consumer's change history",
    description=(
        "Every change of the profile's fields, newest first, paged like the consumer list: per write, each "
        "field with its value before and after, who made it (`actor.type`: api_key, console, import, shopify, "
        "klaviyo, merge, erasure or system, and `actor.id`: the key, the session's key, the import…), the "
        "request id and the time. `field` keeps the writes that changed that field (email, phone, externalId, "
        "fullName, firstName, lastName, status, membership, verified, tags, metadata, address, blocked, "
        "consent.email, consent.sms). Totals, points and activity are not fields: their ledgers and the "
        "timeline say how they moved."
    ),
    responses=api.documented(200, Page[ProfileChange], "A page of changes"),
)
def changes(
    id: str,
    field: Annotated[str | None, Query(description="Only the changes of this field")] = None,
    first: api.PageSize = None,
    last: api.PageSize = None,
    after: str | None = None,
    before: str | None = None,
) -> Response[dict[str, Any]]:
    page = api.page_request(first, last, after, before)
    return api.json_response(200, profile_changes(api.principal(app).tenant, id, page, field))


lambda_handler = api.handler(app)

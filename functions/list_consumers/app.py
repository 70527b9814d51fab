"""GET /api/v1/consumers"""

from datetime import datetime
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Query

from clientele.consumers.enums import ConsentState, Membership, SortBy, SortDir, Source, Status
from clientele.consumers.listing import MAX_SORTED_MATCHES, ListRequest, list_consumers
from clientele.consumers.models import Consumer
from clientele.core import http as api
from clientele.core.errors import AudienceNotFound
from clientele.core.models import Page
from clientele.core.paging import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE

app = api.resolver()

PageSize = Annotated[int | None, Query(ge=1, le=MAX_PAGE_SIZE)]
Instant = datetime | None


@app.get(
    "/api/v1/consumers",
    tags=["Consumers"],
    summary="List consumers",
    description=(
        f"Pages of `first` (default {DEFAULT_PAGE_SIZE}, at most {MAX_PAGE_SIZE}) after the `after` cursor, or "
        "`last` before the `before` cursor. Sorted by `sortBy` (default `createdAt`) and `sortDir` (default `desc`) "
        "with nulls last and ties broken by id. Filters combine with each other, with `search` and with any sort; "
        "`createdAfter`/`lastActivityAfter` include the instant, `createdBefore`/`lastActivityBefore` exclude it. "
        "`audienceId` lists an audience's members; `source` the consumers that came in through one path; "
        "`emailConsent` and `smsConsent` those whose marketing consent on the channel is in that state. "
        "`search` (at least 2 characters) matches the start of any "
        "word of the name, the email address or its domain, or the phone digits; without `sortBy` and `sortDir` its "
        "results are ordered by the matching word, newest first. A search in any other order is sorted whole: one "
        f"that matches more than {MAX_SORTED_MATCHES} consumers (with its filters) is a 400 asking to narrow it."
    ),
    responses={**api.documented(200, Page[Consumer], "A page of consumers"), **api.also_answers(AudienceNotFound)},
)
def list_(
    first: PageSize = None,
    last: PageSize = None,
    after: str | None = None,
    before: str | None = None,
    search: Annotated[str | None, Query(max_length=100)] = None,
    sort_by: Annotated[SortBy | None, Query(alias="sortBy")] = None,
    sort_dir: Annotated[SortDir | None, Query(alias="sortDir")] = None,
    created_after: Annotated[Instant, Query(alias="createdAfter")] = None,
    created_before: Annotated[Instant, Query(alias="createdBefore")] = None,
    last_activity_after: Annotated[Instant, Query(alias="lastActivityAfter")] = None,
    last_activity_before: Annotated[Instant, Query(alias="lastActivityBefore")] = None,
    status: Status | None = None,
    membership: Membership | None = None,
    tier: Annotated[str | None, Query(min_length=1, max_length=64)] = None,
    verified: bool | None = None,
    source: Source | None = None,
    email_consent: Annotated[ConsentState | None, Query(alias="emailConsent")] = None,
    sms_consent: Annotated[ConsentState | None, Query(alias="smsConsent")] = None,
    audience_id: Annotated[str | None, Query(alias="audienceId")] = None,
    include: str | None = None,
) -> Response[dict[str, Any]]:
    equals = {
        name: str(value)
        for name, value in (("status", status), ("membership", membership), ("tier", tier))
        if value is not None
    }
    request = ListRequest(
        first=first,
        last=last,
        after=after,
        before=before,
        sort_by=None if sort_by is None else str(sort_by),
        sort_dir=None if sort_dir is None else str(sort_dir),
        search=search,
        created_after=created_after,
        created_before=created_before,
        last_activity_after=last_activity_after,
        last_activity_before=last_activity_before,
        equals=equals,
        verified=verified,
        source=None if source is None else str(source),
        email_consent=None if email_consent is None else str(email_consent),
        sms_consent=None if sms_consent is None else str(sms_consent),
        audience_id=audience_id,
        include=include,
    )
    return api.json_response(200, list_consumers(api.principal(app).tenant, request))


lambda_handler = api.handler(app)

"""GET /api/v1/duplicates"""

from typing import Any

from aws_lambda_powertools.event_handler import Response

from clientele.core import http as api
from clientele.core.models import Page
from clientele.duplicates.models import DuplicateSuggestion
from clientele.duplicates.service import tenant_duplicates

app = api.resolver()


@app.get(
    "/api/v1/duplicates",
    tags=["Duplicates"],
    summary="Profiles that are probably the same person",
    description=(
        "The organization's open duplicate suggestions, strongest first, paged like the consumer list: each "
        "pair's two profiles (id, fullName, email, phone, createdAt), its reasons (`klaviyo_profile`, `email` "
        "up to provider rules, `phone`, `name_postal_code`, `name_city`, `name_email_domain`) and a score "
        "(0-100). Kept from the stream as consumers are created and changed; a dismissed pair is not shown."
    ),
    responses=api.documented(200, Page[DuplicateSuggestion], "A page of suggestions"),
)
def duplicates(
    first: api.PageSize = None, last: api.PageSize = None, after: str | None = None, before: str | None = None
) -> Response[dict[str, Any]]:
    page = api.page_request(first, last, after, before)
    return api.json_response(200, tenant_duplicates(api.principal(app).tenant, page))


lambda_handler = api.handler(app)

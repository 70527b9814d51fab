"""POST /api/v1/duplicates/{id}/dismiss"""

from typing import Any

from aws_lambda_powertools.event_handler import Response

from clientele.core import http as api
from clientele.duplicates.models import DuplicateSuggestion
from clientele.duplicates.service import dismiss

app = api.resolver()


@app.post(
    "/api/v1/duplicates/<id>/dismiss",
    tags=["Duplicates"],
    summary="Dismiss a duplicate suggestion",
    description=(
        "The two profiles are not the same person: the pair leaves both lists and is never suggested again, "
        "whatever changes on either profile. Dismissing it again answers the same."
    ),
    responses=api.documented(200, DuplicateSuggestion, "The dismissed suggestion"),
)
def dismiss_suggestion(id: str) -> Response[dict[str, Any]]:
    return api.json_response(200, dismiss(api.principal(app).tenant, id).to_api())


lambda_handler = api.handler(app)

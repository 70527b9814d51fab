"""DELETE /api/v1/audiences/{id}/members"""

from typing import Any

from aws_lambda_powertools.event_handler import Response

from clientele.audiences.models import MembersChanged
from clientele.audiences.requests import MembersChange
from clientele.audiences.service import remove_members
from clientele.core import http as api

app = api.resolver()


@app.delete(
    "/api/v1/audiences/<id>/members",
    tags=["Audiences"],
    summary="Remove consumers from an audience",
    description="At most 500 `consumerIds`; ids that are not members are left as they are.",
    responses=api.documented(200, MembersChanged, "Who was removed (`changed`) and who was not a member"),
)
def remove(id: str, request: MembersChange) -> Response[dict[str, Any]]:
    answer = remove_members(api.principal(app).tenant, id, request)
    return api.json_response(200, answer.to_api())


lambda_handler = api.handler(app)

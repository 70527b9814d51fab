"""POST /api/v1/audiences/{id}/members"""

from typing import Any

from aws_lambda_powertools.event_handler import Response

from clientele.audiences.models import MembersChanged
from clientele.audiences.requests import MembersChange
from clientele.audiences.service import add_members
from clientele.core import http as api
from clientele.core import idempotency

app = api.resolver()


@app.post(
    "/api/v1/audiences/<id>/members",
    tags=["Audiences"],
    summary="Add consumers to an audience",
    description="At most 500 `consumerIds`; those already members are left as they are. An unknown id is a 400.",
    responses=api.documented(200, MembersChanged, "Who was added (`changed`) and who already was (`unchanged`)"),
)
def add(id: str, request: MembersChange) -> Response[dict[str, Any]]:
    answer = idempotency.remembered(
        app,
        f"add_audience_members#{id}",
        lambda tenant: add_members(tenant, id, request).to_api(),
    )
    return api.json_response(200, answer)


lambda_handler = api.handler(app)

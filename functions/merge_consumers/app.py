"""POST /api/v1/consumers/{id}/merge"""

from typing import Any

from aws_lambda_powertools.event_handler import Response

from clientele.core import http as api
from clientele.core import idempotency
from clientele.core.errors import MergeBlocked
from clientele.merges.models import Merge, MergePreview
from clientele.merges.requests import MergeRequest
from clientele.merges.service import preview, start

app = api.resolver()


@app.post(
    "/api/v1/consumers/<id>/merge",
    tags=["Merges"],
    summary="Merge other profiles of the same person into this one",
    description=(
        "The consumer in the path survives and keeps its id; each of `sourceIds` (1-10) is merged into it: its "
        "orders and refunds, loyalty lots (each with its own dates) and points log, balance history, audiences, "
        "timeline, consent log, loyalty cards and Shopify and Klaviyo identities move, and it is left as a "
        "tombstone (`GET /consumers/{oldId}` answers 410 `consumer_merged` with `mergedInto`). Its email, phone "
        "and externalId still find the survivor. Fields follow the survivor rules (the survivor's value, else "
        "the first source's; tags united; metadata merged, the survivor's keys winning) unless `fields` names "
        "the profile to take one from. Aggregates are recomputed from the orders the survivor then holds. "
        "`dryRun: true` answers 200 with the merged profile field by field, what would move and the blockers, "
        "and writes nothing; otherwise the merge starts as a job (202, `GET /merges/{id}`), or a 409 "
        "`merge_blocked` names each blocker."
    ),
    responses={
        **api.documented(202, Merge, "The merge, started"),
        200: {"description": "The dry run", "content": {"application/json": {"model": MergePreview}}},
        **api.also_answers(MergeBlocked),
    },
)
def merge(id: str, request: MergeRequest) -> Response[dict[str, Any]]:
    if request.dry_run:
        return api.json_response(200, preview(api.principal(app).tenant, id, request).to_api())
    job = idempotency.remembered(app, "merge_consumers", lambda tenant: start(tenant, id, request).to_api())
    return api.json_response(202, job)


lambda_handler = api.handler(app)

"""Reading the consent log (a read route: it builds no request body)."""

from __future__ import annotations

from typing import Any

from clientele.consent import store
from clientele.consumers import timeline
from clientele.core.paging import PageRequest
from clientele.core.tenancy import Tenant


def consent_log(tenant: Tenant, consumer_id: str, page: PageRequest) -> dict[str, Any]:
    """GET /consumers/{id}/consent/log: every change, newest first; 404 for an unknown consumer."""
    return timeline.history(
        tenant, consumer_id, store.ConsentRecord.PREFIX, page, lambda item: store.ConsentRecord.from_item(item).to_api()
    )

"""Reading a merge job (the route loads no request model, nor the merge engine)."""

from __future__ import annotations

from clientele.core.errors import MergeNotFound
from clientele.core.tenancy import Tenant
from clientele.merges import store
from clientele.merges.models import Merge

ID_PREFIX = "mrg"


def get_merge(tenant: Tenant, merge_id: str) -> Merge:
    merge = store.get(tenant, merge_id) if merge_id.startswith(f"{ID_PREFIX}_") else None
    if merge is None:
        raise MergeNotFound()
    return merge

"""What export and import jobs share in the table: one item per job, listed newest first.

job   pk=<tenant>#<WORD>#<id>   sk=<WORD>   gsi1pk=<tenant>#<WORD>S   gsi1sk=<createdAt>#<id>
"""

from __future__ import annotations

from typing import Any, ClassVar

from clientele.core.models import Resource
from clientele.core.store.entity import Entity
from clientele.core.store.pages import listed
from clientele.core.tenancy import Tenant


class JobRecord(Entity):
    """A job's item. A subclass names its kind, its key `word` and the fields only ever answered."""

    word: ClassVar[str]  # EXPORT, IMPORT
    answered_only: ClassVar[frozenset[str]] = frozenset()  # made per request (URLs), never stored

    @classmethod
    def key(cls, tenant: Tenant, job_id: str) -> dict[str, str]:
        return {"pk": f"{tenant.key_prefix}#{cls.word}#{job_id}", "sk": cls.word}

    @classmethod
    def list_key(cls, tenant: Tenant) -> str:
        """The gsi1 partition of the tenant's jobs of this kind, by createdAt."""
        return f"{tenant.key_prefix}#{cls.word}S"

    @classmethod
    def to_item(cls, tenant: Tenant, job: Resource) -> dict[str, Any]:
        fields = job.model_dump(mode="json", by_alias=True, exclude=set(cls.answered_only))
        keys = {
            **cls.key(tenant, fields["id"]),
            **listed(cls.list_key(tenant), fields["createdAt"], fields["id"]),
        }
        return cls.item(keys, fields)

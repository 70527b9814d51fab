"""What an erasure stores: its audit entry, the anonymous partition the erased consumer's ledger moves
to, and the request for Klaviyo to forget the person (deleted by its stream function once sent).

Keys (tenant prefix `<environment>#<organization>`):
  erasure audit    pk=<tenant>#AUDIT                       sk=ERASURE#<subject>
  erased ledger    pk=<tenant>#ERASED#erased_<subject>     sk as in the consumer's partition
  Klaviyo forget   pk=<tenant>#KLAVIYOFORGET#<subject>     sk=FORGET   (TTL `expiration`)
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import Any

from clientele.core.store import dynamo
from clientele.core.store.entity import Entity
from clientele.core.store.pages import every_item, newest_first, prefixed
from clientele.core.tenancy import Tenant
from clientele.privacy.models import Erasure


def subject_of(tenant: Tenant, consumer_id: str) -> str:
    """The erased consumer's pseudonym: a hash an auditor can recompute from the id, not reverse."""
    return hashlib.sha256(f"{tenant.key_prefix}#{consumer_id}".encode()).hexdigest()[:32]


class ErasureAudit(Entity):
    kind = "Erasure"

    @staticmethod
    def key(tenant: Tenant, subject: str) -> dict[str, str]:
        return {"pk": f"{tenant.key_prefix}#AUDIT", "sk": f"ERASURE#{subject}"}

    @staticmethod
    def ledger_partition(tenant: Tenant, anonymous: str) -> str:
        """Where the erased consumer's points transactions and balance adjustments are kept."""
        return f"{tenant.key_prefix}#ERASED#{anonymous}"

    @classmethod
    def to_item(cls, tenant: Tenant, erasure: Erasure) -> dict[str, Any]:
        return cls.item(cls.key(tenant, erasure.subject), erasure.model_dump(mode="json", by_alias=True))


class KlaviyoForget(Entity):
    kind = "KlaviyoForget"  # template.yaml's ForgetKlaviyoFunction takes INSERTs of this kind

    @staticmethod
    def key(tenant: Tenant, subject: str) -> dict[str, str]:
        return {"pk": f"{tenant.key_prefix}#KLAVIYOFORGET#{subject}", "sk": "FORGET"}


def put_audit(tenant: Tenant, erasure: Erasure) -> None:
    dynamo.batch_write(puts=[ErasureAudit.to_item(tenant, erasure)], deletes=[])


def put_forget(tenant: Tenant, subject: str, fields: dict[str, Any]) -> None:
    item = KlaviyoForget.item(KlaviyoForget.key(tenant, subject), fields)
    dynamo.batch_write(puts=[{name: value for name, value in item.items() if value is not None}], deletes=[])


def put_items(items: list[dict[str, Any]]) -> None:
    """Writes whole items of any domain (an erasure rewrites them without what is personal)."""
    dynamo.batch_write(puts=items, deletes=[])


def delete_items(items: list[dict[str, Any]]) -> None:
    """Deletes the items of any domain that these (items or keys) name."""
    dynamo.batch_write(puts=[], deletes=[{"pk": item["pk"], "sk": item["sk"]} for item in items])


def partition_items(hash_value: str, prefix: str = "", index: str | None = None) -> Iterator[dict[str, Any]]:
    """Every item of a table partition (or of a gsi1 partition) whose range key starts with `prefix`."""
    source = newest_first(hash_value) if index is not None else prefixed(hash_value, prefix, consistent=True)
    return every_item(source)

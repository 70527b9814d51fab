"""Console sessions. Like API keys, a session is found before any tenant is known: by the hash of
the secret its cookie carries, never by the secret itself.

  session   pk=SESSION#<sha256(session secret)>  sk=SESSION   (TTL `expiration`)
"""

from __future__ import annotations

from typing import Any

from clientele.core.store import dynamo
from clientele.core.store.entity import Entity


class SessionRecord(Entity):
    """A signed-in console: the key's id and hint, and the hash that finds the key's lookup item (its
    tenant and scope, read at every call; a revoked key ends its sessions). It never holds the key."""

    kind = "ConsoleSession"
    tenant_scoped = False

    @staticmethod
    def key(secret_hash: str) -> dict[str, str]:
        return {"pk": f"SESSION#{secret_hash}", "sk": "SESSION"}


def insert(secret_hash: str, fields: dict[str, Any]) -> None:
    dynamo.transact(
        [dynamo.put(SessionRecord.item(SessionRecord.key(secret_hash), fields), condition="attribute_not_exists(pk)")]
    )


def find(secret_hash: str) -> dict[str, Any] | None:
    item = dynamo.get_item(SessionRecord.key(secret_hash), consistent=True)
    return None if item is None else SessionRecord.fields(item)


def delete(secret_hash: str) -> None:
    dynamo.transact([dynamo.delete(SessionRecord.key(secret_hash))])

"""Who is making the current change: set once where a request or a job starts (the HTTP handler, an
import chunk, a Shopify delivery, a Klaviyo pull…), read by the consumer writes that record their
field-level change history. A context variable, so each thread and each request has its own."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from enum import StrEnum
from typing import NamedTuple


class ActorType(StrEnum):
    API_KEY = "api_key"  # a caller of the API, by its key's id
    CONSOLE = "console"  # staff in the console, by their session's key id
    IMPORT = "import"  # a CSV import, by its id
    SHOPIFY = "shopify"  # a Shopify webhook or sync
    KLAVIYO = "klaviyo"  # a Klaviyo pull, by its id
    MERGE = "merge"
    ERASURE = "erasure"
    SYSTEM = "system"  # Clientele's own work (a scheduled refresh, a sync's bookkeeping)


class Actor(NamedTuple):
    type: ActorType
    id: str | None = None
    request_id: str | None = None


SYSTEM = Actor(ActorType.SYSTEM)
_CURRENT: ContextVar[Actor | None] = ContextVar("actor", default=None)


def current() -> Actor:
    return _CURRENT.get() or SYSTEM


@contextmanager
def acting(actor: Actor) -> Iterator[Actor]:
    """Makes `actor` the author of every change made inside the block."""
    token = _CURRENT.set(actor)
    try:
        yield actor
    finally:
        _CURRENT.reset(token)

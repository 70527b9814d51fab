"""The consent log's record on the wire (and the consumer a change answers with, which holds the
current state)."""

from clientele.consumers.enums import ConsentChannel, ConsentMethod, ConsentState
from clientele.consumers.models import Consumer
from clientele.core.models import Resource, Timestamp

__all__ = ["ConsentChange", "Consumer"]


class ConsentChange(Resource):
    """One change of a person's consent on one channel, as the consent log keeps it (never changed
    or deleted, but for an erasure, which takes the whole log)."""

    id: str
    channel: ConsentChannel
    state: ConsentState
    previous_state: ConsentState
    consented_at: Timestamp | None
    method: ConsentMethod
    wording_version: str | None
    source_ip: str | None
    actor: str  # the API key (or the console session's key) that made the change, or the path: import, shopify…
    recorded_at: Timestamp

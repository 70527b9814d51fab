"""Consumer rules: creating and reading profiles within one tenant."""

from __future__ import annotations

from clientele import clock
from clientele.data import consumers as store
from clientele.errors import ConsumerNotFound
from clientele.models import Consumer, ConsumerCreate, Loyalty, SyncStatus
from clientele.tenancy import Tenant

ID_PREFIX = "cons"


def create_consumer(tenant: Tenant, request: ConsumerCreate) -> Consumer:
    created_at = clock.now()
    consumer = Consumer(
        id=clock.new_id(ID_PREFIX),
        email=request.email,
        phone=request.phone,
        full_name=request.display_name(),
        first_name=request.first_name,
        last_name=request.last_name,
        metadata=request.metadata,
        external_id=request.external_id,
        status=request.status,
        membership=request.membership,
        verified=request.verified,
        verified_at=created_at if request.verified else None,
        tags=request.tags,
        address=request.address,
        source=request.source,
        sync_status=SyncStatus.NOT_SYNCED,
        loyalty=Loyalty(),
        total_orders=0,
        total_order_value=0,
        last_order_at=None,
        last_activity_at=created_at,  # being created is the consumer's first interaction
        created_at=created_at,
        updated_at=created_at,
    )
    store.insert(tenant, consumer)
    return consumer


def get_consumer(tenant: Tenant, consumer_id: str) -> Consumer:
    # An id that is not ours cannot exist; answering 404 without a read keeps junk ids cheap.
    consumer = store.get(tenant, consumer_id) if consumer_id.startswith(f"{ID_PREFIX}_") else None
    if consumer is None:
        raise ConsumerNotFound()
    return consumer

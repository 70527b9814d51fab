"""Synthetic tenants for the bench: consumers with the spread real ones have (nulls, ties, rare
values), turned into exactly the items the service itself stores for them."""

from __future__ import annotations

import os
import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from clientele.consumers import search_index
from clientele.consumers.enums import Membership, Source, Status, SyncStatus
from clientele.consumers.models import Consumer, Loyalty
from clientele.consumers.store import ConsumerRecord, PhoneEntry, UniqueValue, unique_values
from clientele.core import clock
from clientele.core.store import dynamo
from clientele.core.tenancy import Tenant

FIRST = "james mary john patricia robert jennifer michael linda david elizabeth william barbara richard susan joseph "
FIRST += "jessica thomas sarah charles karen maria mark martin marcus marta joanna jose jonah anna andrew emma noah"
LAST = "smith johnson williams brown jones garcia miller davis rodriguez martinez hernandez lopez gonzalez wilson "
LAST += "anderson thomas taylor moore jackson martin lee perez thompson white harris sanchez clark ramirez lewis young"
DOMAINS = ["gmail.com", "yahoo.com", "outlook.com", "icloud.com", "hotmail.com", "proton.me", "example.org"]
TIERS = ["bronze", "silver", "gold"]
NOW = datetime(2026, 11, 1, tzinfo=UTC)


def consumers(count: int, seed: int) -> Iterator[Consumer]:
    rng = random.Random(seed)  # noqa: S311 - reproducible test data, not secrets
    first_names, last_names = FIRST.split(), LAST.split()
    for index in range(count):
        created = NOW - timedelta(seconds=rng.randrange(3 * 365 * 86400))
        first, last = rng.choice(first_names), rng.choice(last_names)
        ordered = rng.random() < 0.5
        orders = rng.randint(1, 20) if ordered else 0
        points = rng.randrange(5000) if rng.random() < 0.6 else 0
        active_since = created + (NOW - created) * rng.random()
        yield Consumer(
            id=f"cons_{clock.ulid(int(created.timestamp() * 1000), int.from_bytes(os.urandom(10)))}",
            email=f"{first}.{last}{index}@{rng.choice(DOMAINS)}" if rng.random() < 0.95 else None,
            phone=f"+1415{rng.randrange(2_000_000, 9_999_999)}" if rng.random() < 0.6 else None,
            full_name=f"{first.title()} {last.title()}" if rng.random() < 0.9 else None,
            first_name=first.title(),
            last_name=last.title(),
            metadata={"source": "bench"} if rng.random() < 0.3 else None,
            external_id=f"crm-{seed}-{index}" if rng.random() < 0.3 else None,
            status=Status.INACTIVE if rng.random() < 0.2 else Status.ACTIVE,
            membership=Membership.MEMBER if rng.random() < 0.4 else Membership.GUEST,
            verified=False,
            verified_at=None,
            tags=["vip"] if rng.random() < 0.1 else [],
            address=None,
            source=Source.IMPORT,
            sync_status=SyncStatus.NOT_SYNCED,
            loyalty=Loyalty(points=points, tier=rng.choice(TIERS) if points else None),
            total_orders=orders,
            total_order_value=Decimal(rng.randrange(100, 50_000)) / 100 * orders if ordered else Decimal(0),
            last_order_at=clock.format_instant(active_since) if ordered else None,
            last_activity_at=clock.format_instant(active_since),
            created_at=clock.format_instant(created),
            updated_at=clock.format_instant(created),
            version=1,
        )


def items(tenant: Tenant, consumer: Consumer) -> Iterator[dict[str, Any]]:
    """Every item the service keeps for the consumer, in DynamoDB JSON."""
    yield dynamo.serialize(ConsumerRecord.to_item(tenant, consumer))
    for kind, value in unique_values(consumer).values():
        yield dynamo.serialize({**UniqueValue.key(tenant, kind, value), "entity": "Unique", "consumerId": consumer.id})
    if consumer.phone:
        yield dynamo.serialize(
            {"pk": PhoneEntry.partition(tenant, consumer.phone), "sk": consumer.id, "entity": "Phone"}
        )
    for entry in search_index.entries(tenant, consumer).values():
        yield dynamo.serialize(entry)

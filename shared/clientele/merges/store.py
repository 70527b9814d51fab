"""A merge's items: the job, the lock each of its profiles holds while it runs, and the moves of what
a source holds to its survivor.

  job      pk=<tenant>#MERGE#<id>       sk=MERGE       gsi1pk=<tenant>#MERGES gsi1sk=<createdAt>#<id>
           (the Merge, `steps`; each step's MODIFY runs the next while it is running)
The lock each profile holds while its merge runs (MergeLock), the tombstone a source leaves and the
ClaimAlias the survivor gets are the consumers domain's (consumers/store.py): reading, deleting and
erasing a consumer is where they matter.
"""

from __future__ import annotations

import contextlib
from typing import Any

from clientele.consent.store import ConsentRecord
from clientele.consumers.activity import TimelineEventRecord
from clientele.consumers.store import ClaimAlias, ConsumerRecord, MergeLock, Tombstone
from clientele.core.store import dynamo
from clientele.core.store.pages import every_item, prefixed
from clientele.core.tenancy import Tenant
from clientele.coupons.store import CouponRecord
from clientele.integrations.link_store import KlaviyoLink
from clientele.jobs.job_store import JobRecord
from clientele.loyalty import store as loyalty_store
from clientele.loyalty.card_store import CardLinkRecord
from clientele.loyalty.store import PointsTransactionRecord, WalletRecord
from clientele.loyalty.wallet import Wallet
from clientele.merges.models import Merge
from clientele.orders.store import BalanceAdjustmentRecord, OrderRecord
from clientele.privacy.store import ErasureAudit, subject_of
from clientele.referrals.store import ReferralCodeRecord, ReferralRecord

# What moves from a source's partition to the survivor's, item by item under the same sort key (ids
# and instants: they never clash). Wallets merge in the source's last step; the change history stays
# with the tombstone (it is the merged-away profile's own).
MOVED_PREFIXES = {
    "timelineEvents": TimelineEventRecord.PREFIX,
    "pointsTransactions": PointsTransactionRecord.PREFIX,
    "balanceAdjustments": BalanceAdjustmentRecord.PREFIX,
    "consentChanges": ConsentRecord.PREFIX,
    "aliases": ClaimAlias.PREFIX,
}
# What names its consumer in an attribute and is listed on gsi1 under it: {kind: (the consumer's gsi1
# partition, the attribute)}. A move sets both; the item stays where it is.
LISTED = {
    "orders": (OrderRecord.consumer_orders_partition, "consumerId"),
    "coupons": (CouponRecord.recipient_partition, "consumerId"),
    "referralCodes": (ReferralCodeRecord.advocate_partition, "advocateId"),
    "referralsMade": (ReferralRecord.advocate_partition, "advocateId"),
}
PAIRS_PER_TRANSACTION = 50  # a move is a Put and a Delete: 100 operations
ITEMS_HANDED_PER_STEP = 100  # orders, coupons, referral codes: updates in transactions of 25
MAX_OPERATIONS = dynamo.MAX_TRANSACTION_ITEMS  # a source's last step is one transaction


class MergeRecord(JobRecord):
    kind = "Merge"  # template.yaml's stream filter names this kind
    word = "MERGE"

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> Merge:
        return dynamo.with_nulls(Merge, cls.fields(item))


def get(tenant: Tenant, merge_id: str) -> Merge | None:
    item = dynamo.get_item(MergeRecord.key(tenant, merge_id), consistent=True)
    return None if item is None else MergeRecord.from_item(item)


def insert(tenant: Tenant, merge: Merge, versions: dict[str, int]) -> list[dict[str, Any]]:
    """The job and a lock on each profile, on condition none is locked and each is still at the
    version read (what the blockers were judged on)."""
    operations = [dynamo.put(MergeRecord.to_item(tenant, merge), condition="attribute_not_exists(pk)")]
    for consumer_id, version in versions.items():
        lock = MergeLock.item(MergeLock.key(tenant, consumer_id), {"mergeId": merge.id})
        operations.append(dynamo.put(lock, condition="attribute_not_exists(pk)"))
        operations.append(
            dynamo.condition_check(ConsumerRecord.key(tenant, consumer_id), "version = :version", {":version": version})
        )
    return operations


def advance(tenant: Tenant, merge_id: str, steps: int, fields: dict[str, Any]) -> bool:
    """Counts a step done and sets `fields`, if no other run of the step did it first."""
    try:
        dynamo.transact(
            [
                dynamo.set_fields(
                    MergeRecord.key(tenant, merge_id),
                    {**fields, "steps": steps + 1},
                    condition="steps = :done",
                    values={":done": steps},
                )
            ]
        )
    except dynamo.TransactionCancelled:
        return False
    return True


def release_locks(tenant: Tenant, merge_id: str, consumer_ids: list[str]) -> None:
    for consumer_id in consumer_ids:
        lock = MergeLock.key(tenant, consumer_id)
        with contextlib.suppress(dynamo.TransactionCancelled):  # released already (a step run twice)
            dynamo.transact([dynamo.delete(lock, condition="mergeId = :id", values={":id": merge_id})])


def locks(tenant: Tenant, consumer_ids: list[str]) -> dict[str, str]:
    """{consumer id: merge id} of those profiles a running merge holds."""
    items = dynamo.batch_get([MergeLock.key(tenant, consumer_id) for consumer_id in consumer_ids], consistent=True)
    return {ConsumerRecord.id_of(item): str(item["mergeId"]) for item in items}


def tombstones(tenant: Tenant, consumer_ids: list[str]) -> dict[str, str]:
    """{consumer id: survivor} of those ids that were merged away."""
    items = dynamo.batch_get([Tombstone.key(tenant, consumer_id) for consumer_id in consumer_ids], consistent=True)
    return {ConsumerRecord.id_of(item): str(item["mergedInto"]) for item in items}


def erasures(tenant: Tenant, consumer_ids: list[str]) -> set[str]:
    """Those ids whose erasure began (its audit entry is written before the profile goes)."""
    subjects = {subject_of(tenant, consumer_id): consumer_id for consumer_id in consumer_ids}
    items = dynamo.batch_get([ErasureAudit.key(tenant, subject) for subject in subjects], consistent=True)
    return {subjects[str(item["sk"]).removeprefix("ERASURE#")] for item in items}


# ---------------------------------------------------------------- what a source holds


def _partition(tenant: Tenant, consumer_id: str) -> str:
    return ConsumerRecord.key(tenant, consumer_id)["pk"]


def listed(tenant: Tenant, consumer_id: str, kind: str, limit: int | None = None) -> list[dict[str, Any]]:
    """The consumer's items of a LISTED kind (its gsi1 partition), up to `limit`."""
    partition_of, _ = LISTED[kind]
    return dynamo.query(
        index="gsi1", key_condition="gsi1pk = :pk", values={":pk": partition_of(tenant, consumer_id)}, limit=limit
    )


def partition_items(tenant: Tenant, consumer_id: str, prefix: str, limit: int | None = None) -> list[dict[str, Any]]:
    items = every_item(prefixed(_partition(tenant, consumer_id), prefix, consistent=True))
    return [item for _, item in zip(range(limit or 10**9), items, strict=False)]


def card_codes(tenant: Tenant, consumer_id: str) -> list[str]:
    return [str(item["code"]) for item in partition_items(tenant, consumer_id, CardLinkRecord.PREFIX)]


# ---------------------------------------------------------------- moves (each idempotent)


def hand_over(tenant: Tenant, kind: str, found: list[dict[str, Any]], source: str, survivor: str) -> int:
    """Hands LISTED items to the survivor (the attribute naming their consumer, and their gsi1
    partition), each on condition the source still has it: a step run again finds those it moved gone.
    A versioned item (an order) moves its version, so a refund that read it first reads it again."""
    partition_of, attribute = LISTED[kind]
    values = {":to": survivor, ":pk": partition_of(tenant, survivor), ":from": source, ":one": 1}
    operations = [
        dynamo.update(
            {"pk": item["pk"], "sk": item["sk"]},
            expression="SET #owner = :to, gsi1pk = :pk" + (", version = version + :one" if "version" in item else ""),
            values=values if "version" in item else {k: v for k, v in values.items() if k != ":one"},
            names={"#owner": attribute},
            condition="#owner = :from",
        )
        for item in found
    ]
    moved = 0
    for start in range(0, len(operations), 25):
        chunk = operations[start : start + 25]
        try:
            dynamo.transact(chunk)
            moved += len(chunk)
        except dynamo.TransactionCancelled:  # one moved already (a step run again): one by one
            for operation in chunk:
                with contextlib.suppress(dynamo.TransactionCancelled):
                    dynamo.transact([operation])
                    moved += 1
    return moved


def move_items(tenant: Tenant, survivor: str, found: list[dict[str, Any]]) -> int:
    """Moves partition items to the survivor's partition: each Put and its Delete in one transaction,
    so a read never sees one twice or nowhere."""
    target = _partition(tenant, survivor)
    pairs = []
    for item in found:
        moved = {**item, "pk": target}
        if "consumerId" in moved:
            moved["consumerId"] = survivor
        pairs.append([dynamo.put(moved), dynamo.delete({"pk": item["pk"], "sk": item["sk"]})])
    for start in range(0, len(pairs), PAIRS_PER_TRANSACTION):
        dynamo.transact([operation for pair in pairs[start : start + PAIRS_PER_TRANSACTION] for operation in pair])
    return len(pairs)


def wallet_moves(
    tenant: Tenant, source: str, survivor: str, merged: Wallet, versions: tuple[int, int]
) -> list[dict[str, Any]]:
    """The survivor's wallet of a program as merged (new, or at the version read: `versions` is
    (survivor's, source's)), and the source's deleted at the version read."""
    survivor_version, source_version = versions
    merged = merged.model_copy(update={"version": survivor_version + 1})
    return [
        loyalty_store.wallet_put(tenant, survivor, survivor_version, merged),
        dynamo.delete(
            WalletRecord.key(tenant, source, merged.program_id),
            condition="version = :v",
            values={":v": source_version},
        ),
    ]


def tombstone_put(tenant: Tenant, source: str, fields: dict[str, Any]) -> dict[str, Any]:
    return Tombstone.put(tenant, source, fields)


def klaviyo_link_moved(tenant: Tenant, profile_id: str, source: str, survivor: str) -> dict[str, Any]:
    """The Klaviyo profile's link to the source, now to the survivor (a pull of it updates the survivor)."""
    return dynamo.set_fields(
        KlaviyoLink.key(tenant, profile_id),
        {"consumerId": survivor},
        condition="attribute_not_exists(pk) OR consumerId IN (:source, :survivor)",
        values={":source": source, ":survivor": survivor},
    )


def count(tenant: Tenant, consumer_id: str, prefix: str) -> int:
    return dynamo.count(
        key_condition="pk = :pk AND begins_with(sk, :prefix)",
        values={":pk": _partition(tenant, consumer_id), ":prefix": prefix},
    )


def listed_count(tenant: Tenant, consumer_id: str, kind: str) -> int:
    partition_of, _ = LISTED[kind]
    return dynamo.count(index="gsi1", key_condition="gsi1pk = :pk", values={":pk": partition_of(tenant, consumer_id)})

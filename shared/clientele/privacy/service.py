"""A data subject's erasure (seed 000 "Privacy Compliance"): after it, no item of the tenant holds the
consumer's id, email, phone or name. (Everything held about a consumer, in one document, is
privacy/data_export.py.)

Erasure keeps what accounting needs and nothing personal:
  - orders keep their amounts, lines and refunds, under an anonymous id; checkout URLs and refund
    reasons (free text) are dropped;
  - points transactions and balance adjustments move to the anonymous id's own partition, their
    free-text reasons dropped, and so does the change history, without its values (which fields
    changed, when and by whom stays);
  - the profile, its unique values (its Shopify customer ids too), phone entry, audience memberships,
    wallets, timeline, the coupons issued to it and its referral codes go (the referrals it made stay,
    as other people's once-only claims, under the anonymous id), and it leaves its loyalty cards
    (the search entries follow on the stream);
  - answers kept for Idempotency-Key replays, export job parameters, merge jobs and import failure
    rows that hold the consumer are removed or scrubbed;
  - the profiles merged into it go as well: their tombstones, and their change history kept as its own;
  - a synced consumer's deletion is asked of Klaviyo (functions/forget_klaviyo, from the stream);
  - an audit entry records who erased whom and when: the subject as a hash of tenant and id, never
    the id itself, so an auditor who knows the id can check it without the log revealing it.
The steps are idempotent and the profile is deleted last, so an erasure cut short is completed by
sending it again.
"""

from __future__ import annotations

from clientele.consent.store import ConsentRecord
from clientele.consumers import store as consumer_store
from clientele.consumers.activity import TimelineEventRecord
from clientele.consumers.enums import SyncStatus
from clientele.consumers.models import Consumer
from clientele.consumers.service import delete_consumer, get_consumer
from clientele.consumers.store import ChangeRecord, ClaimAlias, ConsumerRecord, Tombstone
from clientele.core import clock, idempotency
from clientele.core.errors import LoyaltyCardConflict, MergeBlocked
from clientele.core.store.idempotency_store import IdempotencyRecord
from clientele.core.store.pages import listed
from clientele.core.tenancy import Tenant
from clientele.coupons.store import CouponRecord
from clientele.duplicates import service as duplicates
from clientele.integrations import store as integrations
from clientele.jobs import export_store, import_store
from clientele.loyalty import cards
from clientele.loyalty.card_store import CardLinkRecord
from clientele.loyalty.store import PointsTransactionRecord, WalletRecord
from clientele.merges.store import MergeRecord
from clientele.orders.store import BalanceAdjustmentRecord, OrderRecord
from clientele.privacy import store
from clientele.privacy.models import Erasure
from clientele.referrals import store as referral_store
from clientele.referrals.store import ReferralCodeRecord, ReferralRecord
from clientele.shopify import customer_store as shopify_identities
from clientele.shopify.webhook_store import ShopifyCustomerDataRecord

ERASED_PREFIX = "erased"
ANONYMIZED = ("orders", "ledgerEntries", "changes")  # kept without what identifies the person
FORGET_SECONDS = 30 * 24 * 3600  # a deletion Klaviyo keeps refusing is dropped after 30 days


def erase(tenant: Tenant, consumer_id: str, erased_by: str) -> Erasure:
    consumer = get_consumer(tenant, consumer_id)
    if (merge_id := consumer_store.merge_running(tenant, consumer_id)) is not None:
        message = f"is in merge {merge_id}, still running: erase it once the merge is over"
        raise MergeBlocked("The consumer is being merged", details=[{"field": "id", "message": message}])
    merged_away = [
        str(record["sk"]).removeprefix(ClaimAlias.PREFIX) for record in consumer_store.aliases(tenant, consumer_id)
    ]
    subject = store.subject_of(tenant, consumer_id)
    anonymous = f"{ERASED_PREFIX}_{subject}"
    needles = [value for value in (consumer.id, consumer.email, consumer.phone, consumer.external_id) if value]
    counts = {
        "orders": _anonymize_orders(tenant, consumer_id, anonymous),
        "ledgerEntries": _move_ledger(tenant, consumer_id, anonymous),
        "changes": sum(
            _keep_changes(tenant, person, anonymous, f"#{number}" if number else "")
            for number, person in enumerate([consumer_id, *merged_away])
        ),
        "idempotencyRecords": _forget_answers(tenant, needles),
        "exportJobs": _scrub_exports(tenant, consumer_id, anonymous),
        "mergeJobs": _scrub_merges(tenant, [consumer_id, *merged_away], anonymous),
        "importRows": _drop_import_rows(tenant, needles),
        "coupons": _drop_coupons(tenant, consumer_id),
        "referrals": _drop_referrals(tenant, consumer_id, anonymous),
        "loyaltyCards": _unlink_cards(tenant, consumer_id),
        "shopifyIdentities": shopify_identities.forget(tenant, consumer_id),  # its Shopify customer id claims
        "duplicateSuggestions": duplicates.forget(tenant, consumer_id),  # both sides of each pair
    }
    klaviyo = _ask_klaviyo_to_forget(tenant, consumer, subject)
    erasure = Erasure(
        subject=subject,
        erased_at=clock.now(),
        erased_by=erased_by,
        klaviyo_deletion="requested" if klaviyo else "not_synced",
        anonymized={name: counts[name] for name in ANONYMIZED},
        removed={name: count for name, count in counts.items() if name not in ANONYMIZED},
    )
    store.put_audit(tenant, erasure)
    delete_consumer(tenant, consumer_id)  # last: until here, sending the erasure again completes it
    for person in [consumer_id, *merged_away]:  # the profiles merged into it: their tombstones and history
        _drop_partition(tenant, person)
    return erasure


def _anonymize_orders(tenant: Tenant, consumer_id: str, anonymous: str) -> int:
    """Orders keep their money under the anonymous id; free text that may be personal goes."""
    orders = [
        OrderRecord.from_item(item)
        for item in store.partition_items(OrderRecord.consumer_orders_partition(tenant, consumer_id), index="gsi1")
    ]
    puts = []
    for order in orders:
        kept = order.model_copy(
            update={
                "consumer_id": anonymous,
                "checkout_url": None,
                "refunds": [refund.model_copy(update={"reason": None}) for refund in order.refunds],
            }
        )
        puts.append(OrderRecord.to_item(tenant, kept))
    store.put_items(puts)
    return len(puts)


def _move_ledger(tenant: Tenant, consumer_id: str, anonymous: str) -> int:
    """Points transactions and balance adjustments, reasons dropped, to the anonymous partition."""
    partition = ConsumerRecord.key(tenant, consumer_id)["pk"]
    target = store.ErasureAudit.ledger_partition(tenant, anonymous)
    puts, deletes = [], []
    for item in store.partition_items(partition):
        sk = item["sk"]
        if item.get("entity") not in (PointsTransactionRecord.kind, BalanceAdjustmentRecord.kind):
            continue
        entry = {name: value for name, value in item.items() if name not in ("pk", "sk")}
        puts.append({**entry, "pk": target, "sk": sk, "consumerId": anonymous, "reason": "(erased)"})
        deletes.append({"pk": partition, "sk": sk})
    store.put_items(puts)
    store.delete_items(deletes)  # after the copies: a cut-short move loses nothing
    return len(puts)


def _keep_changes(tenant: Tenant, consumer_id: str, anonymous: str, suffix: str = "") -> int:
    """The change history, moved to the anonymous partition without its values: that a field
    changed, when and by whom, stays; what it said goes. (The originals go with the partition.) The
    histories of profiles merged into the consumer keep their versions, told apart by `suffix`."""
    partition = ConsumerRecord.key(tenant, consumer_id)["pk"]
    target = store.ErasureAudit.ledger_partition(tenant, anonymous)
    kept = [
        {name: value for name, value in item.items() if name != "changes"} | {"pk": target, "sk": item["sk"] + suffix}
        for item in store.partition_items(partition, ChangeRecord.PREFIX)
    ]
    store.put_items(kept)
    return len(kept)


def _drop_coupons(tenant: Tenant, consumer_id: str) -> int:
    """The coupons issued to the consumer: each names its recipient. (Orders keep the codes they
    redeemed, under the anonymous id.)"""
    return _drop_indexed(CouponRecord.recipient_partition(tenant, consumer_id))


def _drop_referrals(tenant: Tenant, consumer_id: str, anonymous: str) -> int:
    """The consumer's referral codes and the referral that names it as referred go; the referrals it
    made stay under the anonymous id, as each is the once-only claim of the person it referred."""
    dropped = _drop_indexed(ReferralCodeRecord.advocate_partition(tenant, consumer_id))
    made = list(store.partition_items(ReferralRecord.advocate_partition(tenant, consumer_id), index="gsi1"))
    moved = ReferralRecord.advocate_partition(tenant, anonymous)
    store.put_items(
        [
            {**item, "advocateId": anonymous, **listed(moved, str(item["createdAt"]), str(item["referredId"]))}
            for item in made
        ]
    )
    if referral_store.get_referral(tenant, consumer_id) is not None:
        store.delete_items([ReferralRecord.key(tenant, consumer_id)])
        dropped += 1
    return dropped + len(made)


def _unlink_cards(tenant: Tenant, consumer_id: str) -> int:
    """The consumer leaves the loyalty cards it was linked to (each card lists its profiles); the
    cards stay, for their other holders or to be handed out again."""
    partition = ConsumerRecord.key(tenant, consumer_id)["pk"]
    links = list(store.partition_items(partition, CardLinkRecord.PREFIX))
    for link in links:
        try:
            cards.unlink_card(tenant, str(link["code"]), consumer_id)
        except LoyaltyCardConflict:  # unlinked meanwhile (a retried erasure): its link goes with the partition
            continue
    return len(links)


def _drop_indexed(partition: str) -> int:
    """Every item of a gsi1 partition, deleted from the table: how many."""
    keys = [{"pk": item["pk"], "sk": item["sk"]} for item in store.partition_items(partition, index="gsi1")]
    store.delete_items(keys)
    return len(keys)


def _drop_partition(tenant: Tenant, consumer_id: str) -> None:
    """What is left in the consumer's partition: wallets, timeline events, card links, Shopify data,
    the consent log (and a merged-away profile's tombstone and change history)."""
    partition = ConsumerRecord.key(tenant, consumer_id)["pk"]
    kinds = (
        Tombstone.kind,
        WalletRecord.kind,
        TimelineEventRecord.kind,
        CardLinkRecord.kind,
        ShopifyCustomerDataRecord.kind,
        ConsentRecord.kind,
        ChangeRecord.kind,
    )
    leftovers = [
        {"pk": item["pk"], "sk": item["sk"]} for item in store.partition_items(partition) if item.get("entity") in kinds
    ]
    store.delete_items(leftovers)


def _holds(text: str, needles: list[str]) -> bool:
    lowered = text.lower()
    return any(needle.lower() in lowered for needle in needles)


def _forget_answers(tenant: Tenant, needles: list[str]) -> int:
    """Answers kept for Idempotency-Key replays (gzipped, 24 hours) that hold the consumer."""
    stale = [
        {"pk": item["pk"], "sk": item["sk"]}
        for item in store.partition_items(IdempotencyRecord.partition(tenant))
        if _holds(idempotency.stored_text(item), needles)
    ]
    store.delete_items(stale)
    return len(stale)


def _scrub_exports(tenant: Tenant, consumer_id: str, anonymous: str) -> int:
    """Export jobs that named the consumer (export selected, a points log): the anonymous id instead."""
    changed = 0
    for item in store.partition_items(export_store.ExportRecord.list_key(tenant), index="gsi1"):
        parameters = item.get("parameters") or {}
        ids = parameters.get("consumerIds") or []
        if consumer_id not in ids and parameters.get("consumerId") != consumer_id:
            continue
        scrubbed = dict(parameters)
        if consumer_id in ids:
            scrubbed["consumerIds"] = [anonymous if value == consumer_id else value for value in ids]
        if parameters.get("consumerId") == consumer_id:
            scrubbed["consumerId"] = anonymous
        if export_store.set_parameters(tenant, item["id"], scrubbed):
            changed += 1
    return changed


def _scrub_merges(tenant: Tenant, consumer_ids: list[str], anonymous: str) -> int:
    """Merge jobs that named the consumer or a profile merged into it: the anonymous id instead, and
    the identifiers they moved dropped."""
    people = set(consumer_ids)
    scrubbed = []
    for item in store.partition_items(MergeRecord.list_key(tenant), index="gsi1"):
        named = {str(item["survivorId"]), *map(str, item.get("sourceIds") or [])}
        if not named & people:
            continue

        def hidden(value: str) -> str:
            return anonymous if value in people else value

        moves = dict(item.get("moves") or {})
        for identifiers in ("emails", "phones", "externalIds", "shopifyCustomerIds", "klaviyoProfileIds"):
            moves[identifiers] = []
        scrubbed.append(
            {
                **item,
                "survivorId": hidden(str(item["survivorId"])),
                "sourceIds": [hidden(str(value)) for value in item.get("sourceIds") or []],
                "mergedIds": [hidden(str(value)) for value in item.get("mergedIds") or []],
                "fields": {name: hidden(str(value)) for name, value in (item.get("fields") or {}).items()},
                "moves": moves,
            }
        )
    store.put_items(scrubbed)
    return len(scrubbed)


def _drop_import_rows(tenant: Tenant, needles: list[str]) -> int:
    """Failed import rows (kept for the report) that hold the consumer's email, phone or id."""
    dropped = 0
    for job in store.partition_items(import_store.ImportRecord.list_key(tenant), index="gsi1"):
        partition = import_store.ImportRecord.key(tenant, job["id"])["pk"]
        rows = [
            {"pk": item["pk"], "sk": item["sk"]}
            for item in store.partition_items(partition, import_store.ImportFailureRecord.PREFIX)
            if _holds(" ".join(item.get("cells") or []), needles)
        ]
        store.delete_items(rows)
        dropped += len(rows)
    return dropped


def _ask_klaviyo_to_forget(tenant: Tenant, consumer: Consumer, subject: str) -> bool:
    """Queues Klaviyo's data-privacy deletion when the consumer may be there. The request item is the
    only one that briefly holds the email; the stream function deletes it once Klaviyo has it."""
    setup = integrations.get(tenant)
    if setup is None or "keyHint" not in setup:
        return False
    if consumer.sync_status is SyncStatus.NOT_SYNCED and consumer.klaviyo_profile_id is None:
        return False
    fields = {
        "subject": subject,
        "profileId": consumer.klaviyo_profile_id,
        "email": consumer.email,
        "phone": consumer.phone,
        "expiration": int(clock.parse(clock.now()).timestamp()) + FORGET_SECONDS,
    }
    store.put_forget(tenant, subject, fields)
    return True

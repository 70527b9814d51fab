"""Merging profiles: judging a merge (its blockers and, for a dry run, the profile it would make and
what would move), starting it, and running it step by step.

A step does one bounded piece of one source's move and counts itself on the job (a conditional
update, so a step delivered twice by the stream runs once); the job's MODIFY runs the next. For each
source, in the order sent:
  0. it is sealed (`mergingInto` the survivor): from then on an order sent for it (by its id, email or
     externalId) is placed on the survivor, so the merge chases nothing that keeps arriving;
  1. its orders, then the coupons issued to it, its referral codes and the referrals it made, 100 a
     step, each handed over on condition the source still has it;
  2. its timeline events, points transactions, balance adjustments, consent log and claim aliases,
     each Put to the survivor's partition and Deleted from the source's in one transaction;
  3. its loyalty cards, linked to the survivor and unlinked from it;
  4. the last step, one transaction: the survivor with the merged fields and the aggregates recomputed
     from every order it now holds, the wallets merged lot by lot, the source deleted and its
     tombstone put, its unique claims, phone, Shopify and Klaviyo identities handed to the survivor.
     It is guarded by the versions read: a write that reached the source (a refund of an order not yet
     moved, points) or the survivor meanwhile fails it, and the next pass moves what came first. While
     it reads and writes, the survivor is held (`mergeHeldUntil`, at most HOLD_SECONDS): an order for
     it waits and retries, so a steady flow of orders cannot keep the step from ever committing.
A merge that fails unseals the sources it had not merged.
Every step is idempotent: a worker killed anywhere leaves the job at its last counted step, and
running that step again finds only what is still to move.
"""

from __future__ import annotations

import time
from datetime import timedelta
from decimal import Decimal
from typing import Any

from clientele.audiences import store as audience_store
from clientele.consumers import store as consumer_store
from clientele.consumers import timeline
from clientele.consumers.models import Consumer, TimelineEventType
from clientele.consumers.service import retrying
from clientele.core import actor, clock
from clientele.core.errors import (
    ClienteleError,
    Conflict,
    ConsumerNotFound,
    LoyaltyCardConflict,
    MergeBlocked,
    StoreBusy,
    ValidationFailed,
)
from clientele.core.tenancy import Tenant
from clientele.duplicates import service as duplicates
from clientele.integrations import sync as klaviyo_sync
from clientele.loyalty import cards
from clientele.loyalty import service as loyalty
from clientele.loyalty import store as loyalty_store
from clientele.loyalty.wallet import Wallet
from clientele.merges import rules, store
from clientele.merges.models import (
    BlockerReason,
    Merge,
    MergeBlocker,
    MergeMoves,
    MergePreview,
    MergeStatus,
)
from clientele.merges.reads import ID_PREFIX
from clientele.merges.requests import MergeRequest
from clientele.orders.models import Order
from clientele.orders.service import aggregates_of
from clientele.orders.store import BalanceAdjustmentRecord, OrderRecord
from clientele.shopify import customer_store as shopify_identities

ITEMS_PER_STEP = 500
REQUESTED = consumer_store.MergeRequestRecord.kind  # a merge another system asked for
HOLD_SECONDS = 3.0  # how long orders for the survivor wait at most for a source's last step
SETTLE_SECONDS = 1.0  # an order's move reaches the orders index this soon (GSIs are eventually consistent)


class _Judged:
    """The profiles of a merge as read, and what blocks it."""

    def __init__(self, survivor: Consumer, sources: list[Consumer], blockers: list[MergeBlocker]) -> None:
        self.survivor, self.sources, self.blockers = survivor, sources, blockers


def _judge(tenant: Tenant, survivor_id: str, request: MergeRequest) -> _Judged:
    """Reads the profiles and finds the blockers. An unknown id is a 404: the ids are looked up under
    the caller's own tenant only, so a profile of another environment or organization is unknown here."""
    survivor = consumer_store.existing(tenant, survivor_id)
    ids = request.source_ids
    if survivor_id in ids:
        message = "the profile merged into cannot be one of its sources"
        raise ValidationFailed(details=[{"field": f"sourceIds[{ids.index(survivor_id)}]", "message": message}])
    for name, chosen in (request.fields or {}).items():
        if chosen != survivor_id and chosen not in ids:
            message = "must be the survivor or one of the sourceIds"
            raise ValidationFailed(details=[{"field": f"fields.{name}", "message": message}])
    found = consumer_store.get_many(tenant, ids)
    missing = [consumer_id for consumer_id in ids if consumer_id not in found]
    merged_away = store.tombstones(tenant, missing) if missing else {}
    erasures = store.erasures(tenant, [survivor_id, *ids])
    blockers = []
    for index, consumer_id in enumerate(ids):
        if consumer_id in found:
            continue
        if consumer_id in merged_away:
            message = f"was merged into {merged_away[consumer_id]} already"
            blockers.append(MergeBlocker(reason=BlockerReason.ALREADY_MERGED, consumer_id=consumer_id, message=message))
        elif consumer_id in erasures:
            blockers.append(MergeBlocker(reason=BlockerReason.ERASED, consumer_id=consumer_id, message="was erased"))
        else:
            raise ConsumerNotFound(details=[{"field": f"sourceIds[{index}]", "message": "no consumer has this id"}])
    for consumer_id in [survivor_id, *found]:
        if consumer_id in erasures:
            message = "an erasure of it began and has not finished: send the erasure again"
            blockers.append(
                MergeBlocker(reason=BlockerReason.ERASURE_PENDING, consumer_id=consumer_id, message=message)
            )
    for consumer_id, merge_id in store.locks(tenant, [survivor_id, *ids]).items():
        message = f"is in merge {merge_id}, still running"
        blockers.append(MergeBlocker(reason=BlockerReason.MERGE_RUNNING, consumer_id=consumer_id, message=message))
    sources = [found[consumer_id] for consumer_id in ids if consumer_id in found]
    audiences = {audience for profile in (survivor, *sources) for audience in profile.audience_ids}
    if len(audiences) > audience_store.MAX_AUDIENCES_PER_CONSUMER:
        message = (
            f"together they are in {len(audiences)} audiences; a profile may be in "
            f"{audience_store.MAX_AUDIENCES_PER_CONSUMER}: take some away first"
        )
        blockers.append(MergeBlocker(reason=BlockerReason.TOO_MANY_AUDIENCES, message=message))
    return _Judged(survivor, sources, blockers)


# ---------------------------------------------------------------- the merged profile


def _orders_of(tenant: Tenant, consumer_ids: list[str]) -> list[Order]:
    return [OrderRecord.from_item(item) for id_ in consumer_ids for item in store.listed(tenant, id_, "orders")]


def _merged_wallets(tenant: Tenant, survivor: str, sources: list[str]) -> dict[str, Wallet]:
    merged = loyalty_store.wallets(tenant, survivor)
    for source in sources:
        for program_id, wallet in loyalty_store.wallets(tenant, source).items():
            merged.setdefault(program_id, Wallet(program_id=program_id)).absorb(wallet)
    return merged


def _standing(tenant: Tenant, consumer: Consumer, wallets: dict[str, Wallet]) -> Consumer:
    """The consumer's points summary from its (merged) wallet of the primary program."""
    program = next((program for program in loyalty_store.programs(tenant) if program.primary), None)
    if program is None:
        return consumer
    wallet = wallets.get(program.id, Wallet(program_id=program.id))
    return consumer.model_copy(update={"loyalty": loyalty.summary_of(wallet, program, clock.now())})


def _balance(tenant: Tenant, consumer_id: str) -> Decimal:
    """The stored credit its balance adjustments add up to."""
    items = store.partition_items(tenant, consumer_id, BalanceAdjustmentRecord.PREFIX)
    return sum((Decimal(str(item["amount"])) for item in items), Decimal(0))


def _moves(tenant: Tenant, survivor: Consumer, sources: list[Consumer]) -> MergeMoves:
    now = clock.now()
    ids = [source.id for source in sources]
    counts = {
        name: sum(store.count(tenant, source, prefix) for source in ids)
        for name, prefix in store.MOVED_PREFIXES.items()
        if name != "aliases"
    }
    wallets = [wallet for source in ids for wallet in loyalty_store.wallets(tenant, source).values()]
    lots = [lot for wallet in wallets for ledger in wallet.ledgers.values() for lot in ledger.lots if lot.remaining]
    identities: dict[str, list[str]] = {"emails": [], "phones": [], "external_ids": []}
    for source in sources:
        identities["emails"] += [source.email] if source.email else []
        identities["phones"] += [source.phone] if source.phone else []
        identities["external_ids"] += [source.external_id] if source.external_id else []
    joined = [a for s in sources for a in s.audience_ids if a not in survivor.audience_ids]
    listed = {kind: sum(store.listed_count(tenant, source, kind) for source in ids) for kind in store.LISTED}
    return MergeMoves(
        orders=listed["orders"],
        coupons=listed["coupons"],
        referral_codes=listed["referralCodes"],
        referrals_made=listed["referralsMade"],
        points_transactions=counts["pointsTransactions"],
        loyalty_lots=len(lots),
        points=sum(lot.remaining for lot in lots if not lot.expired(now)),
        balance_adjustments=counts["balanceAdjustments"],
        balance=sum((source.balance for source in sources), Decimal(0)),
        timeline_events=counts["timelineEvents"],
        consent_changes=counts["consentChanges"],
        audiences=list(dict.fromkeys(joined)),
        shopify_customer_ids=[sid for source in ids for sid in shopify_identities.identities(tenant, source)],
        klaviyo_profile_ids=[s.klaviyo_profile_id for s in sources if s.klaviyo_profile_id],
        **identities,
    )


def preview(tenant: Tenant, survivor_id: str, request: MergeRequest) -> MergePreview:
    """The dry run: reads only."""
    judged = _judge(tenant, survivor_id, request)
    survivor, sources = judged.survivor, judged.sources
    merged, origins = rules.merged(survivor, sources, request.fields or {})
    ids = [survivor.id, *(source.id for source in sources)]
    merged = aggregates_of(merged, _orders_of(tenant, ids))
    merged = _standing(tenant, merged, _merged_wallets(tenant, survivor.id, ids[1:]))
    merged = merged.model_copy(update={"balance": sum((p.balance for p in (survivor, *sources)), Decimal(0))})
    return MergePreview(
        survivor_id=survivor.id,
        source_ids=request.source_ids,
        consumer=merged,
        fields=origins,
        moves=_moves(tenant, survivor, sources),
        blockers=judged.blockers,
    )


def start(tenant: Tenant, survivor_id: str, request: MergeRequest) -> Merge:
    """Starts the merge job (a lock on each profile, in one transaction with the job); its steps follow
    on the stream. MergeBlocked names every blocker."""

    def attempt() -> Merge:
        judged = _judge(tenant, survivor_id, request)
        if judged.blockers:
            raise MergeBlocked(details=[blocker.to_api() for blocker in judged.blockers])
        merge = Merge(
            id=clock.new_id(ID_PREFIX),
            status=MergeStatus.RUNNING,
            survivor_id=survivor_id,
            source_ids=request.source_ids,
            fields=request.fields or {},
            moves=_moves(tenant, judged.survivor, judged.sources),
            created_at=clock.now(),
        )
        versions = {profile.id: profile.version for profile in (judged.survivor, *judged.sources)}
        operations = store.insert(tenant, merge, versions)
        consumer_store.commit(consumer_store.Write(operations, [consumer_store.ConsumerChanged] * len(operations)))
        return merge

    return retrying(attempt)


def take_request(tenant: Tenant, item: dict[str, Any]) -> str:
    """Starts the merge another system asked for (consumers/store.MergeRequest), and records how it went."""
    request_id = consumer_store.MergeRequestRecord.id_of(item)
    origin = actor.Actor(actor.ActorType(str(item.get("origin") or "system")), request_id)
    with actor.acting(origin):
        try:
            request = MergeRequest(source_ids=[str(value) for value in item["sourceIds"]])
            outcome = f"started {start(tenant, str(item['survivorId']), request).id}"
        except (Conflict, StoreBusy):
            raise
        except ClienteleError as refused:
            reasons = ", ".join(str(detail.get("reason") or detail.get("message")) for detail in refused.details)
            outcome = f"refused: {refused.code}" + (f" ({reasons})" if reasons else "")
    consumer_store.answer_merge_request(tenant, request_id, outcome)
    return outcome


# ---------------------------------------------------------------- running


def run_step(tenant: Tenant, merge_id: str, steps: int) -> str | None:
    """Runs step `steps` of a running merge (a step already counted does nothing); what it did."""
    merge = store.get(tenant, merge_id)
    if merge is None or merge.status is not MergeStatus.RUNNING or merge.steps != steps:
        return None
    with actor.acting(actor.Actor(actor.ActorType.MERGE, merge_id)):
        try:
            return _step(tenant, merge)
        except (Conflict, StoreBusy):
            raise  # the stream runs the step again
        except ClienteleError as error:  # it cannot go on: what merged stays merged
            _end(tenant, merge, MergeStatus.FAILED, error.message)
            return "failed"


def _step(tenant: Tenant, merge: Merge) -> str:
    pending = [source for source in merge.source_ids if source not in merge.merged_ids]
    if not pending:
        outcome = klaviyo_sync.merge_profiles(tenant, merge.survivor_id, merge.moves.klaviyo_profile_ids)
        _end(tenant, merge, MergeStatus.SUCCEEDED, None, {"klaviyo": outcome})
        return "succeeded"
    source = pending[0]
    if _seal(tenant, source, merge.survivor_id):
        store.advance(tenant, merge.id, merge.steps, {})
        return "sealed"
    for kind in store.LISTED:
        found = store.listed(tenant, source, kind, limit=store.ITEMS_HANDED_PER_STEP)
        if found:
            store.hand_over(tenant, kind, found, source, merge.survivor_id)
            store.advance(tenant, merge.id, merge.steps, {"movedAt": clock.now()})
            return kind
    for name, prefix in store.MOVED_PREFIXES.items():
        items = store.partition_items(tenant, source, prefix, limit=ITEMS_PER_STEP)
        if items:
            store.move_items(tenant, merge.survivor_id, items)
            store.advance(tenant, merge.id, merge.steps, {})
            return name
    codes = store.card_codes(tenant, source)
    if codes:
        _move_cards(tenant, codes, source, merge.survivor_id)
        store.advance(tenant, merge.id, merge.steps, {})
        return "cards"
    current = consumer_store.get(tenant, source)
    _settle(merge, current)
    try:
        _finish_source(tenant, merge, source, current)
    except consumer_store.ConsumerChanged:  # a write reached one of them since they were read: go again
        store.advance(tenant, merge.id, merge.steps, {})
        return "again"
    duplicates.forget(tenant, source)  # its suggestions, the pair with the survivor among them
    store.advance(tenant, merge.id, merge.steps, {"mergedIds": [*merge.merged_ids, source]})
    return "merged"


def _seal(tenant: Tenant, source_id: str, into: str | None) -> bool:
    """Marks the source as being merged `into` the survivor (None: no longer), so orders sent for it go
    to the survivor from now on and the merge has a fixed set to move; whether it wrote."""

    def attempt() -> bool:
        source = consumer_store.get(tenant, source_id)
        if source is None or source.merging_into == into:
            return False
        after = source.model_copy(
            update={"merging_into": into, "updated_at": clock.now(), "version": source.version + 1}
        )
        consumer_store.commit(consumer_store.replace_write(tenant, source, after))
        return True

    return retrying(attempt)


def _settle(merge: Merge, source: Consumer | None) -> None:
    """Waits until the last order moved, and the last one placed on the source before it was sealed,
    have had time to reach the orders index the last step reads (GSIs are eventually consistent)."""
    moments = [moment for moment in (merge.moved_at, source and source.updated_at) if moment]
    if moments:
        left = SETTLE_SECONDS - (clock.parse(clock.now()) - clock.parse(max(moments))).total_seconds()
        if left > 0:
            time.sleep(left)


def _move_cards(tenant: Tenant, codes: list[str], source: str, survivor: str) -> None:
    for code in codes:
        cards.link_card(tenant, code, survivor)
        try:
            cards.unlink_card(tenant, code, source)
        except LoyaltyCardConflict:
            continue  # unlinked already (a step run again)


def _hold(tenant: Tenant, survivor_id: str) -> Consumer:
    """Holds orders for the survivor off (they wait and retry, for at most HOLD_SECONDS) while the last
    step reads and writes it, so a steady flow of orders cannot keep that step from ever committing."""

    def attempt() -> Consumer:
        survivor = consumer_store.get(tenant, survivor_id)
        if survivor is None:
            raise ValidationFailed("the profile merged into was deleted during the merge")
        until = clock.format_instant(clock.parse(clock.now()) + timedelta(seconds=HOLD_SECONDS))
        held = survivor.model_copy(update={"merge_held_until": until, "version": survivor.version + 1})
        consumer_store.commit(consumer_store.replace_write(tenant, survivor, held))
        return held

    return retrying(attempt)


def _finish_source(tenant: Tenant, merge: Merge, source_id: str, source: Consumer | None) -> None:
    """The source's last step (`source` as read for it): one transaction (module docstring, 4.)."""
    survivor = _hold(tenant, merge.survivor_id)
    if source is None:
        if consumer_store.merged_into(tenant, source_id) == merge.survivor_id:
            return  # merged by an earlier run of this step
        raise ValidationFailed(f"{source_id} was deleted during the merge")
    if any(store.listed(tenant, source_id, kind, limit=1) for kind in store.LISTED):
        raise consumer_store.ConsumerChanged()  # an item the index showed late: move it first
    chosen = {name: (source_id if giver == source_id else survivor.id) for name, giver in merge.fields.items()}
    after, _ = rules.merged(survivor, [source], chosen)
    after = aggregates_of(after, _orders_of(tenant, [survivor.id, source_id]))
    mine, theirs = loyalty_store.wallets(tenant, survivor.id), loyalty_store.wallets(tenant, source_id)
    wallets = dict(mine)
    for program_id, wallet in theirs.items():
        wallets[program_id] = (mine.get(program_id) or Wallet(program_id=program_id)).model_copy(deep=True)
        wallets[program_id].absorb(wallet)
    after = _standing(tenant, after, wallets)
    now = clock.now()
    after = after.model_copy(
        update={
            "balance": _balance(tenant, survivor.id),
            "merge_held_until": None,
            "updated_at": now,
            "version": survivor.version + 1,
        }
    )
    write = consumer_store.merge_write(tenant, survivor, after, source)
    events = [*timeline.profile_events(survivor, after), _merged_event(source, merge, now)]
    operations = [timeline.put(tenant, survivor.id, event) for event in events]
    for audience_id in set(source.audience_ids) & set(survivor.audience_ids):
        operations.append(audience_store.count_change(tenant, audience_id, -1))  # two members become one
    for program_id, wallet in theirs.items():
        versions = (mine[program_id].version if program_id in mine else 0, wallet.version)
        operations += store.wallet_moves(tenant, source_id, survivor.id, wallets[program_id], versions)
    for shopify_id in shopify_identities.identities(tenant, source_id):
        operations += shopify_identities.moved(tenant, shopify_id, source_id, survivor.id)
    if source.klaviyo_profile_id:
        operations.append(store.klaviyo_link_moved(tenant, source.klaviyo_profile_id, source_id, survivor.id))
    for record in consumer_store.aliases(tenant, survivor.id):
        if record.get("holderId") == source_id:  # a profile merged into the source earlier
            operations += consumer_store.repoint_aliases(tenant, record, source_id, survivor.id)
    identities = consumer_store.unique_values(source)
    alias = {
        "emails": [value for kind, value in identities.values() if kind == "EMAIL"],
        "externalIds": [value for kind, value in identities.values() if kind == "EXTERNALID"],
        "phones": [source.phone] if source.phone else [],
        "mergeId": merge.id,
        "mergedAt": now,
    }
    operations.append(consumer_store.ClaimAlias.put(tenant, survivor.id, source_id, alias))
    operations.append(
        consumer_store.Tombstone.put(
            tenant, source_id, {"mergedInto": survivor.id, "mergeId": merge.id, "mergedAt": now}
        )
    )
    for operation in operations:
        write.add(operation, consumer_store.ConsumerChanged)
    if len(write.operations) > store.MAX_OPERATIONS:
        raise ValidationFailed(
            f"merging {source_id} takes {len(write.operations)} writes at once: more than one transaction"
        )
    consumer_store.commit(write)


def _merged_event(source: Consumer, merge: Merge, now: str) -> Any:
    details = {"mergedId": source.id, "mergeId": merge.id, "email": source.email, "fullName": source.full_name}
    return timeline.event(TimelineEventType.PROFILE_MERGED, now, details)


def _end(
    tenant: Tenant, merge: Merge, status: MergeStatus, error: str | None, fields: dict[str, Any] | None = None
) -> None:
    for source in merge.source_ids:
        if source not in merge.merged_ids:  # a merge that stopped: its orders are its own again
            _seal(tenant, source, None)
    store.release_locks(tenant, merge.id, [merge.survivor_id, *merge.source_ids])
    ended = {"status": str(status), "error": error, "finishedAt": clock.now(), **(fields or {})}
    store.advance(tenant, merge.id, merge.steps, ended)

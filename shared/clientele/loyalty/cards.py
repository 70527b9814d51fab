"""Loyalty cards (seed 003): issued by a program, linked to at most usersPerCardLimit profiles, found
by code with one GetItem, and a way to add and deduct the points of its consumer's wallet.

Every change of a card is written on condition of the card's version read, in one transaction with
its consumer's link item and timeline event: links racing for a card's last place cannot both win.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from clientele.consumers import store as consumer_store
from clientele.consumers import timeline
from clientele.consumers.models import TimelineEventType
from clientele.consumers.service import retrying
from clientele.core import clock, codes
from clientele.core.errors import (
    ConsumerNotFound,
    LoyaltyCardCodeTaken,
    LoyaltyCardConflict,
    LoyaltyCardNotFound,
)
from clientele.core.paging import PageRequest, paged
from clientele.core.store.pages import prefixed
from clientele.core.tenancy import Tenant
from clientele.loyalty import card_store, service
from clientele.loyalty.models import CardHolder, CardStatus, LoyaltyCard

MAX_CODE_LENGTH = 40  # CardCode's

if TYPE_CHECKING:  # the bodies are built by the routes that take them
    from clientele.loyalty.requests import LoyaltyCardCreate, LoyaltyCardUpdate


def issue_card(tenant: Tenant, program_id: str, request: LoyaltyCardCreate) -> LoyaltyCard:
    program = service.get_program(tenant, program_id)
    now = clock.now()

    def make(code: str) -> LoyaltyCard:
        return LoyaltyCard(
            code=code,
            program_id=program.id,
            status=CardStatus.ACTIVE,
            users_per_card_limit=request.users_per_card_limit,
            consumers=[],
            created_at=now,
            updated_at=now,
            version=1,
        )

    def insert(card: LoyaltyCard) -> None:
        taken = lambda: LoyaltyCardCodeTaken(details=[{"field": "code", "message": "is taken"}])  # noqa: E731
        consumer_store.commit(consumer_store.Write([card_store.insert(tenant, card)], [taken]))

    return codes.stored_under_a_free_code(request.code, make, insert, LoyaltyCardCodeTaken)


def get_card(tenant: Tenant, code: str) -> LoyaltyCard:
    code = code.strip().upper()
    card = card_store.get(tenant, code) if 3 <= len(code) <= MAX_CODE_LENGTH else None  # longer: no key
    if card is None:
        raise LoyaltyCardNotFound()
    return card


def update_card(tenant: Tenant, code: str, update: LoyaltyCardUpdate) -> LoyaltyCard:
    def attempt() -> LoyaltyCard:
        card = get_card(tenant, code)
        changes = {name: getattr(update, name) for name in update.model_fields_set if getattr(update, name) is not None}
        limit = changes.get("users_per_card_limit", card.users_per_card_limit)
        if limit < len(card.consumers):
            message = f"{len(card.consumers)} profiles are linked to the card: unlink some first"
            raise LoyaltyCardConflict(details=[{"field": "usersPerCardLimit", "message": message}])
        after = card.model_copy(update={**changes, "updated_at": clock.now(), "version": card.version + 1})
        consumer_store.commit(
            consumer_store.Write([card_store.replace(tenant, card, after)], [consumer_store.ConsumerChanged])
        )
        return after

    return retrying(attempt)


def link_card(tenant: Tenant, code: str, consumer_id: str) -> LoyaltyCard:
    """Links the card to the consumer (linking it again changes nothing)."""

    def attempt() -> LoyaltyCard:
        card = get_card(tenant, code)
        consumer = consumer_store.get(tenant, consumer_id) if consumer_id.startswith("cons_") else None
        if consumer is None:
            raise ConsumerNotFound(details=[{"field": "consumerId", "message": "no consumer has this id"}])
        if any(holder.consumer_id == consumer.id for holder in card.consumers):
            return card
        if card.status is not CardStatus.ACTIVE:
            raise LoyaltyCardConflict(details=[{"field": "code", "message": f"the card is {card.status}"}])
        if len(card.consumers) >= card.users_per_card_limit:
            message = (
                f"the card is linked to {len(card.consumers)} of its usersPerCardLimit {card.users_per_card_limit}"
            )
            raise LoyaltyCardConflict(details=[{"field": "consumerId", "message": message}])
        now = clock.now()
        after = card.model_copy(
            update={
                "consumers": [*card.consumers, CardHolder(consumer_id=consumer.id, registered_at=now)],
                "updated_at": now,
                "version": card.version + 1,
            }
        )
        write = _card_write(tenant, card, after, consumer.id, TimelineEventType.CARD_LINKED, now)
        for operation in card_store.link(tenant, card, consumer.id, now):
            write.add(operation, consumer_store.ConsumerChanged)
        consumer_store.commit(write)
        return after

    return retrying(attempt)


def unlink_card(tenant: Tenant, code: str, consumer_id: str) -> LoyaltyCard:
    def attempt() -> LoyaltyCard:
        card = get_card(tenant, code)
        if not any(holder.consumer_id == consumer_id for holder in card.consumers):
            raise LoyaltyCardConflict(details=[{"field": "consumerId", "message": "is not linked to this card"}])
        now = clock.now()
        after = card.model_copy(
            update={
                "consumers": [holder for holder in card.consumers if holder.consumer_id != consumer_id],
                "updated_at": now,
                "version": card.version + 1,
            }
        )
        write = _card_write(tenant, card, after, consumer_id, TimelineEventType.CARD_UNLINKED, now)
        write.add(card_store.unlink(tenant, card, consumer_id), consumer_store.ConsumerChanged)
        consumer_store.commit(write)
        return after

    return retrying(attempt)


def _card_write(
    tenant: Tenant, card: LoyaltyCard, after: LoyaltyCard, consumer_id: str, kind: TimelineEventType, now: str
) -> consumer_store.Write:
    """The card at its new version and the event on the consumer's timeline."""
    write = consumer_store.Write([card_store.replace(tenant, card, after)], [consumer_store.ConsumerChanged])
    event = timeline.event(kind, now, {"code": card.code, "programId": card.program_id})
    write.add(timeline.put(tenant, consumer_id, event), consumer_store.ConsumerChanged)
    return write


def consumer_cards(tenant: Tenant, consumer_id: str, page: PageRequest) -> dict[str, Any]:
    """The consumer's cards, by code: one Query of its link items, one BatchGetItem of the cards."""

    def render(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        found = card_store.get_many(tenant, [str(item["code"]) for item in items])
        return [found[str(item["code"])].to_api() for item in items if str(item["code"]) in found]

    source = prefixed(
        consumer_store.ConsumerRecord.key(tenant, consumer_id)["pk"], card_store.CardLinkRecord.PREFIX, consistent=True
    )
    return paged(
        tenant, source, {"cards": consumer_id}, page, render, owner=lambda: consumer_store.existing(tenant, consumer_id)
    )

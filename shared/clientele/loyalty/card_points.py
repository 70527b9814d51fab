"""Points added and deducted by loyalty card: those of the card's consumer, in the card's program."""

from __future__ import annotations

from typing import TYPE_CHECKING

from clientele.consumers import store as consumer_store
from clientele.consumers.service import get_consumer, retrying
from clientele.core.errors import LoyaltyCardConflict, ValidationFailed
from clientele.core.tenancy import Tenant
from clientele.loyalty import card_store, service
from clientele.loyalty.cards import get_card
from clientele.loyalty.models import CardStatus, LoyaltyCard, PointsTransaction, PointsTransactionKind

if TYPE_CHECKING:  # the body is built by the route that takes it
    from clientele.loyalty.requests import CardPoints


def card_points(tenant: Tenant, code: str, request: CardPoints, deduct: bool) -> PointsTransaction:
    """Adds (or deducts) points of the card's consumer in the card's program, in one transaction with
    a check that the card is still as read (active, linked to that consumer)."""

    def attempt() -> PointsTransaction:
        card = get_card(tenant, code)
        if card.status is not CardStatus.ACTIVE:
            raise LoyaltyCardConflict(details=[{"field": "code", "message": f"the card is {card.status}"}])
        consumer = get_consumer(tenant, _holder(card, request.consumer_id))
        program = service.get_program(tenant, card.program_id)
        service.participating(consumer)
        change = service.begin(tenant, consumer, [program.id])
        if deduct:
            moved = change.debit(program, request.ledger, request.points, request.reason)
        else:
            moved = change.credit(program, request.ledger, request.points, request.reason, PointsTransactionKind.ADDED)
        write = service.points_write(tenant, change, {program.id: program})
        write.add(card_store.unchanged(tenant, card), consumer_store.ConsumerChanged)
        consumer_store.commit(write)
        return moved

    return retrying(attempt)


def _holder(card: LoyaltyCard, consumer_id: str | None) -> str:
    """The consumer a card's points go to: its only one, or the one named among several."""
    holders = [holder.consumer_id for holder in card.consumers]
    if not holders:
        raise LoyaltyCardConflict(details=[{"field": "code", "message": "the card is linked to no profile"}])
    if consumer_id is None:
        if len(holders) > 1:
            message = f"the card is linked to {len(holders)} profiles: name one"
            raise ValidationFailed(details=[{"field": "consumerId", "message": message}])
        return holders[0]
    if consumer_id not in holders:
        raise ValidationFailed(details=[{"field": "consumerId", "message": "is not linked to this card"}])
    return consumer_id

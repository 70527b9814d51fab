"""Points added and deducted by loyalty card: those of the card's consumer, in the card's program.
Apart from the cards' other routes, which take no points bodies."""

from __future__ import annotations

from clientele.core.errors import LoyaltyCardConflict, ValidationFailed
from clientele.core.tenancy import Tenant
from clientele.loyalty import service
from clientele.loyalty.cards import get_card
from clientele.loyalty.models import CardStatus, LoyaltyCard, PointsTransaction
from clientele.loyalty.requests import CardPoints, PointsAdd, PointsDeduct


def card_points(tenant: Tenant, code: str, request: CardPoints, deduct: bool) -> PointsTransaction:
    """Adds (or deducts) points of the card's consumer in the card's program."""
    card = get_card(tenant, code)
    if card.status is not CardStatus.ACTIVE:
        raise LoyaltyCardConflict(details=[{"field": "code", "message": f"the card is {card.status}"}])
    consumer_id = _holder(card, request.consumer_id)
    fields = {
        "program_id": card.program_id,
        "ledger": request.ledger,
        "points": request.points,
        "reason": request.reason,
    }
    if deduct:
        return service.deduct_points(tenant, consumer_id, PointsDeduct(**fields))
    return service.add_points(tenant, consumer_id, PointsAdd(**fields))


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

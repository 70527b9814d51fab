"""The wallet's arithmetic: balances at any instant, folding, spending order, take-backs."""

from __future__ import annotations

from clientele.loyalty.models import Tier, TierBasis
from clientele.loyalty.wallet import Ledger, Lot, Wallet, tier_for

DAY1, DAY2, DAY3, DAY4 = (f"2025-01-0{day}T00:00:00.000Z" for day in (1, 2, 3, 4))


def _lot(lot_id: str, points: int, active_on: str, expires_on: str | None, order_id: str | None = None) -> Lot:
    return Lot(
        id=lot_id, points=points, remaining=points, active_on=active_on, expires_on=expires_on, order_id=order_id
    )


def test_balances_move_with_the_clock_alone() -> None:
    ledger = Ledger(lots=[_lot("a", 10, DAY1, DAY3), _lot("b", 5, DAY2, None)])
    assert ledger.balance(DAY1) == {"active": 10, "pending": 5, "expired": 0, "spent": 0, "lifetime": 10, "earned": 15}
    assert ledger.balance(DAY2) == {"active": 15, "pending": 0, "expired": 0, "spent": 0, "lifetime": 15, "earned": 15}
    assert ledger.balance(DAY3) == {"active": 5, "pending": 0, "expired": 10, "spent": 0, "lifetime": 15, "earned": 15}
    assert ledger.next_change(DAY1) == DAY2
    assert ledger.next_change(DAY2) == DAY3
    assert ledger.next_change(DAY3) is None


def test_spending_takes_the_earliest_expiry_first_and_folding_keeps_the_totals() -> None:
    ledger = Ledger(lots=[_lot("never", 10, DAY1, None), _lot("late", 10, DAY1, DAY4), _lot("soon", 10, DAY1, DAY3)])
    ledger.spend(15, DAY2)
    assert [(lot.id, lot.remaining) for lot in ledger.lots] == [("never", 10), ("late", 5), ("soon", 0)]
    before = ledger.balance(DAY3)
    ledger.fold(DAY3)
    assert (
        ledger.balance(DAY3)
        == before
        == {"active": 15, "pending": 0, "expired": 0, "spent": 15, "lifetime": 30, "earned": 30}
    )
    assert [lot.id for lot in ledger.lots] == ["never", "late"]


def test_active_lots_with_one_expiry_merge_and_pending_ones_stay_apart() -> None:
    ledger = Ledger(
        lots=[_lot("a", 1, DAY1, None), _lot("b", 2, DAY1, None, order_id="ord_1"), _lot("c", 4, DAY3, None)]
    )
    ledger.fold(DAY2)
    assert [(lot.id, lot.points, lot.order_id) for lot in ledger.lots] == [("a", 3, None), ("c", 4, None)]
    assert ledger.balance(DAY2)["active"] == 3


def test_take_back_prefers_the_orders_own_pending_lot_and_never_goes_negative() -> None:
    ledger = Ledger(lots=[_lot("other", 5, DAY1, None), _lot("order", 20, DAY3, None, order_id="ord_1")])
    assert ledger.take_back("ord_1", 8, DAY2) == 8
    assert ledger.balance(DAY2) == {"active": 5, "pending": 12, "expired": 0, "spent": 0, "lifetime": 5, "earned": 17}
    assert ledger.take_back("ord_1", 100, DAY2) == 17  # the order's 12 left, then the 5 active
    assert ledger.balance(DAY4)["active"] == 0


def test_lifetime_earned_survives_folding_and_counts_pending_but_not_take_backs() -> None:
    ledger = Ledger(lots=[_lot("never", 10, DAY1, None), _lot("expiring", 6, DAY1, DAY3), _lot("later", 4, DAY4, None)])
    ledger.spend(10, DAY2)
    assert ledger.take_back("ord_none", 1, DAY2) == 1  # from an active lot: earned falls by it
    before = ledger.balance(DAY3)
    ledger.fold(DAY3)  # the spent-out lot that expired folds into the counters
    assert ledger.balance(DAY3) == before
    assert (before["earned"], before["spent"], before["expired"], before["pending"]) == (19, 10, 0, 4)
    wallet = Wallet(program_id="lp_1", ledgers={"main": ledger, "summer": Ledger(lots=[_lot("s", 3, DAY1, None)])})
    total = wallet.balances(DAY3, [], TierBasis.ACTIVE)[0]
    assert (total.lifetime_earned_points, total.lifetime_redeemed_points) == (22, 10)


def test_tiers_follow_active_or_lifetime_points() -> None:
    tiers = [Tier(name="Silver", min_points=10), Tier(name="Gold", min_points=20)]
    assert [tier_for(points, tiers) for points in (0, 10, 19, 20, 500)] == [None, "Silver", "Silver", "Gold", "Gold"]
    wallet = Wallet(program_id="lp_1", ledgers={"main": Ledger(lots=[_lot("a", 25, DAY1, None)])})
    wallet.ledgers["main"].spend(10, DAY2)
    assert wallet.balances(DAY2, tiers, TierBasis.ACTIVE)[0].tier == "Silver"
    assert wallet.balances(DAY2, tiers, TierBasis.LIFETIME)[0].tier == "Gold"

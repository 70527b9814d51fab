"""A consumer's points in one loyalty program: its ledgers and the lots of points they hold.

Every credit is a lot: its points, what is left of them, when they become active and when they
expire. Whether points are pending, active or expired depends only on the clock, so balances are
computed at read time for any instant and nothing needs to run when points activate or expire.
A write first folds what is over (spent or expired lots) into counters, so a wallet stays small.

Pure: no I/O. Instants are the API's fixed-width UTC strings, which compare in time order.
"""

from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field

from clientele.loyalty.models import LedgerBalance, Tier, TierBasis


class _Model(BaseModel):
    # Built on first use, like the wire models (core.models.ApiModel): a route that never opens a
    # wallet does not build these at import.
    model_config = ConfigDict(defer_build=True)


class Lot(_Model):
    id: str  # the transaction that credited it
    points: int  # credited, less what refunds took back
    remaining: int  # not yet spent (or taken back)
    active_on: str
    expires_on: str | None
    order_id: str | None = None

    def active(self, now: str) -> bool:
        return self.active_on <= now and not self.expired(now)

    def expired(self, now: str) -> bool:
        return self.expires_on is not None and self.expires_on <= now


class Ledger(_Model):
    lots: list[Lot] = Field(default_factory=list)
    spent: int = 0
    expired: int = 0  # folded from expired lots
    lifetime: int = 0  # activated points of folded lots

    def fold(self, now: str) -> None:
        """Moves lots that are over (expired, or active and spent out) into the counters, and merges
        active lots that expire together: once active, points with one expiry are interchangeable."""
        kept: list[Lot] = []
        active: dict[str | None, Lot] = {}
        for lot in self.lots:
            if lot.expired(now):
                self.expired += lot.remaining
                self.lifetime += lot.points
            elif lot.remaining == 0 and (lot.active_on <= now or lot.points == 0):
                self.lifetime += lot.points
            elif lot.active_on <= now and lot.expires_on in active:
                merged = active[lot.expires_on]
                merged.points += lot.points
                merged.remaining += lot.remaining
                merged.active_on = min(merged.active_on, lot.active_on)
                merged.order_id = None  # no longer one order's points alone
            else:
                kept.append(lot)
                if lot.active_on <= now:
                    active[lot.expires_on] = lot
        self.lots = kept

    def active(self, now: str) -> int:
        return sum(lot.remaining for lot in self.lots if lot.active(now))

    def pending(self, now: str) -> int:
        return sum(lot.remaining for lot in self.lots if lot.active_on > now)

    def spendable(self, now: str) -> list[Lot]:
        """Active lots, earliest expiry first (never-expiring last), then oldest."""
        lots = [lot for lot in self.lots if lot.active(now) and lot.remaining > 0]
        return sorted(lots, key=lambda lot: (lot.expires_on is None, lot.expires_on or "", lot.active_on, lot.id))

    def spend(self, points: int, now: str) -> None:
        """Spends active points, earliest expiry first. The caller checks `active` covers them."""
        assert points <= self.active(now)
        left = points
        for lot in self.spendable(now):
            taken = min(lot.remaining, left)
            lot.remaining -= taken
            left -= taken
            if left == 0:
                break
        self.spent += points

    def take_back(self, order_id: str, points: int, now: str) -> int:
        """Takes back up to `points` an order earned: from the order's own lot first (pending or
        not), then from other active points; never below zero. Returns what it took."""
        left = points
        own = [lot for lot in self.lots if lot.order_id == order_id and not lot.expired(now)]
        for lot in [*own, *[lot for lot in self.spendable(now) if lot not in own]]:
            taken = min(lot.remaining, left)
            lot.remaining -= taken
            lot.points -= taken
            left -= taken
            if left == 0:
                break
        return points - left

    def balance(self, now: str) -> dict[str, int]:
        return {
            "active": self.active(now),
            "pending": self.pending(now),
            "expired": self.expired + sum(lot.remaining for lot in self.lots if lot.expired(now)),
            "spent": self.spent,
            "lifetime": self.lifetime + sum(lot.points for lot in self.lots if lot.active_on <= now),
            "earned": self.lifetime + sum(lot.points for lot in self.lots),
        }

    def next_change(self, now: str) -> str | None:
        """The next instant at which a balance of this ledger moves by itself."""
        moments = [lot.active_on for lot in self.lots if lot.active_on > now and lot.remaining > 0]
        moments += [lot.expires_on for lot in self.lots if lot.expires_on and lot.expires_on > now and lot.remaining]
        return min(moments, default=None)


class Spent(_Model):
    """A budget's use in its current period (`period`: the period's start; "" for never)."""

    period: str = ""
    used: int = 0


class Progress(_Model):
    """An achievement's progress in its current period (`period`: the period's start; "" for never)."""

    period: str = ""
    progress: Decimal = Decimal(0)
    completed_on: str | None = None


class Wallet(_Model):
    """All of a consumer's ledgers in one program; `version` guards every write."""

    program_id: str
    ledgers: dict[str, Ledger] = Field(default_factory=dict)
    signed_up_at: str | None = None  # when the program's signUp points were given: once per consumer
    budgets: dict[str, Spent] = Field(default_factory=dict)  # by budget action: this period's use
    achievements: dict[str, Progress] = Field(default_factory=dict)  # by achievement key
    version: int = 0

    def ledger(self, ledger_id: str) -> Ledger:
        return self.ledgers.setdefault(ledger_id, Ledger())

    def fold(self, now: str) -> None:
        for ledger in self.ledgers.values():
            ledger.fold(now)

    def next_change(self, now: str) -> str | None:
        return min(filter(None, (ledger.next_change(now) for ledger in self.ledgers.values())), default=None)

    def absorb(self, other: "Wallet") -> None:
        """Takes in another wallet of the same program (a merged profile's): its lots one by one with
        their own dates and orders, its counters added; the earliest signUp; this period's budget
        use added where both are in the same period; an achievement's progress kept where further."""
        for ledger_id, ledger in other.ledgers.items():
            target = self.ledger(ledger_id)
            target.lots += [lot.model_copy() for lot in ledger.lots]
            target.spent += ledger.spent
            target.expired += ledger.expired
            target.lifetime += ledger.lifetime
        signed_up = [moment for moment in (self.signed_up_at, other.signed_up_at) if moment]
        self.signed_up_at = min(signed_up) if signed_up else None
        for action, use in other.budgets.items():
            mine = self.budgets.get(action)
            if mine is None or use.period > mine.period:
                self.budgets[action] = use.model_copy()
            elif use.period == mine.period:
                mine.used += use.used
        for key, progress in other.achievements.items():
            mine_progress = self.achievements.get(key)
            if mine_progress is None or (progress.period, progress.progress) > (
                mine_progress.period,
                mine_progress.progress,
            ):
                self.achievements[key] = progress.model_copy()

    def balances(self, now: str, tiers: list[Tier], basis: TierBasis) -> list[LedgerBalance]:
        """All ledgers together first, then each ledger."""
        per_ledger = {ledger_id: ledger.balance(now) for ledger_id, ledger in sorted(self.ledgers.items())}
        total = {name: sum(balance[name] for balance in per_ledger.values()) for name in _FIGURES}
        views = [self._view(None, total, now, tiers, basis)]
        views += [self._view(ledger_id, figures, now, tiers, basis) for ledger_id, figures in per_ledger.items()]
        return views

    def _view(
        self, ledger_id: str | None, figures: dict[str, int], now: str, tiers: list[Tier], basis: TierBasis
    ) -> LedgerBalance:
        ledgers = list(self.ledgers.values()) if ledger_id is None else [self.ledgers[ledger_id]]
        expiring = [lot for ledger in ledgers for lot in ledger.spendable(now) if lot.expires_on]
        next_expiry = min((lot.expires_on for lot in expiring if lot.expires_on), default=None)
        return LedgerBalance(
            program_id=self.program_id,
            ledger=ledger_id,
            tier=tier_for(figures["active" if basis is TierBasis.ACTIVE else "lifetime"], tiers),
            active_points=figures["active"],
            pending_points=figures["pending"],
            expired_points=figures["expired"],
            spent_points=figures["spent"],
            lifetime_points=figures["lifetime"],
            lifetime_earned_points=figures["earned"],
            lifetime_redeemed_points=figures["spent"],
            next_expiry=next_expiry,
            next_expiring_points=sum(lot.remaining for lot in expiring if lot.expires_on == next_expiry),
        )


_FIGURES = ("active", "pending", "expired", "spent", "lifetime", "earned")


def tier_for(points: int, tiers: list[Tier]) -> str | None:
    """The highest tier whose minimum the points reach (tiers are kept in ascending order)."""
    reached = [tier.name for tier in tiers if points >= tier.min_points]
    return reached[-1] if reached else None

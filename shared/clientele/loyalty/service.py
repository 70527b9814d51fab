"""Loyalty: programs, adding and deducting points, what orders earn and refunds take back, balances.

Each points change is one transaction: the consumer's wallet for the program (on condition of the
version read), the transaction log entry, a timeline event, and the consumer itself (lastActivityAt,
and for the primary program its points, tier and when they next change by themselves). Balances
are computed at read time for the current instant; a scheduled function (refresh_due) only brings
the consumer's sortable summary up to date when pending points activate or active points expire.
"""

from __future__ import annotations

import functools
from datetime import UTC, datetime
from decimal import ROUND_FLOOR, Decimal
from typing import TYPE_CHECKING, Any, NamedTuple
from zoneinfo import ZoneInfo

from aws_lambda_powertools import Logger

from clientele.consumers import store as consumer_store
from clientele.consumers import timeline
from clientele.consumers.enums import Membership, Status
from clientele.consumers.models import Consumer, Loyalty, TimelineEvent, TimelineEventType
from clientele.consumers.service import commit_or_reread, get_consumer, replace_write, retrying
from clientele.core import clock
from clientele.core.errors import (
    BudgetExceeded,
    ConsumerBlocked,
    ConsumerInactive,
    InsufficientPoints,
    LoyaltyProgramNotFound,
    ValidationFailed,
)
from clientele.core.paging import PageRequest, paged
from clientele.core.store.pages import Segment, Source
from clientele.core.tenancy import Tenant
from clientele.loyalty import store
from clientele.loyalty.models import (
    MAIN_LEDGER,
    Achievement,
    AchievementMetric,
    AchievementProgress,
    AchievementStatus,
    Budget,
    BudgetAction,
    BudgetOverflow,
    BudgetPeriod,
    BudgetUse,
    ConsumerAchievements,
    ConsumerBudgets,
    LoyaltyProgram,
    LoyaltySummary,
    PointsRule,
    PointsTransaction,
    PointsTransactionKind,
    RuleType,
)
from clientele.loyalty.rules import expiry_of, period_of, start_of
from clientele.loyalty.wallet import Lot, Progress, Spent, Wallet

if TYPE_CHECKING:
    # loyalty earns on orders, but the orders domain builds on loyalty, not the reverse
    # the bodies are built by the routes that take them
    from clientele.loyalty.requests import LoyaltyProgramCreate, LoyaltyProgramUpdate, PointsAdd, PointsDeduct
    from clientele.orders.models import Order

logger = Logger(child=True)

PROGRAM_PREFIX = "lp"
TRANSACTION_PREFIX = "ptx"
MAX_LOTS_PER_WALLET = 1500  # unspent grants of all ledgers: keeps a wallet far below DynamoDB's 400 KB


# ---------------------------------------------------------------- programs


def create_program(tenant: Tenant, request: LoyaltyProgramCreate) -> LoyaltyProgram:
    def attempt() -> LoyaltyProgram:
        now = clock.now()
        primary = not store.has_primary(tenant)
        program = LoyaltyProgram(
            id=clock.new_id(PROGRAM_PREFIX),
            **request.model_dump(),
            primary=primary,
            created_at=now,
            updated_at=now,
            version=1,
        )
        commit_or_reread(store.insert_program(tenant, program))  # two first programs at once: one is primary
        return program

    return retrying(attempt)


def get_program(tenant: Tenant, program_id: str, field: str | None = None) -> LoyaltyProgram:
    program = store.get_program(tenant, program_id) if program_id.startswith(f"{PROGRAM_PREFIX}_") else None
    if program is None:
        details = [{"field": field, "message": "no loyalty program has this id"}] if field else None
        raise LoyaltyProgramNotFound(details=details)
    return program


def update_program(tenant: Tenant, program_id: str, update: LoyaltyProgramUpdate) -> LoyaltyProgram:
    def attempt() -> LoyaltyProgram:
        program = get_program(tenant, program_id)
        changes = {name: getattr(update, name) for name in update.model_fields_set}
        after = program.model_copy(update={**changes, "updated_at": clock.now(), "version": program.version + 1})
        after = LoyaltyProgram.model_validate(after.model_dump())  # nested models re-validated
        commit_or_reread([store.replace_program(tenant, program, after)])
        return after

    return retrying(attempt)


def list_programs(tenant: Tenant, page: PageRequest) -> dict[str, Any]:
    source = Source(
        index_name=None,
        hash_attribute="pk",
        hash_value=store.LoyaltyProgramRecord.programs_partition(tenant),
        range_attribute="sk",
        segments=(Segment(f"{PROGRAM_PREFIX}_", f"{PROGRAM_PREFIX}_~", True),),
        consistent=True,
    )
    render = lambda items: [store.LoyaltyProgramRecord.from_item(item).to_api() for item in items]  # noqa: E731
    return paged(tenant, source, {"programs": True}, page, render)


# ---------------------------------------------------------------- points


def participation(consumer: Consumer) -> ConsumerBlocked | ConsumerInactive | None:
    """Why the consumer may neither earn nor redeem points (blocked, or inactive: seed 000's "cannot
    participate"), or None. Its orders still record; they earn nothing."""
    if consumer.blocked:
        return ConsumerBlocked()
    if consumer.status is Status.INACTIVE:
        return ConsumerInactive()
    return None


def participating(consumer: Consumer) -> None:
    """Refuses a consumer that may neither earn nor redeem points with the reason."""
    if (refused := participation(consumer)) is not None:
        raise refused


class PointsChange:
    """A consumer's points change being assembled: its wallets before and after, and the log."""

    def __init__(self, consumer: Consumer, now: datetime, wallets: dict[str, tuple[int, Wallet]]) -> None:
        self.consumer, self.now = consumer, now
        self.wallets = wallets  # program id -> (version read, wallet being changed)
        self.transactions: list[PointsTransaction] = []
        self.events: list[TimelineEvent] = []  # beside the transactions' own (an achievement completed)

    @property
    def instant(self) -> str:
        return clock.format_instant(self.now)

    def wallet(self, program: LoyaltyProgram) -> Wallet:
        if program.id not in self.wallets:
            self.wallets[program.id] = (0, Wallet(program_id=program.id))
        wallet = self.wallets[program.id][1]
        wallet.fold(self.instant)
        return wallet

    def credit(
        self,
        program: LoyaltyProgram,
        ledger: str,
        points: int,
        reason: str,
        kind: PointsTransactionKind,
        start: PointsRule | None = None,  # None: the program's default
        expiry: PointsRule | None = None,
        order: Order | None = None,
    ) -> PointsTransaction:
        start = start or PointsRule(type=RuleType.DEFAULT)
        expiry = expiry or PointsRule(type=RuleType.DEFAULT)
        zone = ZoneInfo(program.timezone)
        # An order's points count from when its session closed (seed 003).
        base = clock.parse(order.closed_at or order.placed_at) if order is not None else self.now
        active_on = start_of(start, program.default_start, base, zone)
        expires_on = expiry_of(expiry, program.default_expiry, active_on, zone)
        if expires_on is not None and expires_on <= active_on:
            raise ValidationFailed(
                details=[{"field": "expiry", "message": "the points would expire before they start"}]
            )
        wallet = self.wallet(program)
        if sum(len(ledger.lots) for ledger in wallet.ledgers.values()) >= MAX_LOTS_PER_WALLET:
            message = f"the consumer holds {MAX_LOTS_PER_WALLET} grants of this program that differ in start or expiry"
            raise ValidationFailed(details=[{"field": "points", "message": message}])
        # Last of the checks, as it records the use: a credit refused above leaves the budget as it was.
        points = self.within_budget(program, BudgetAction.POINTS_EARNED, points, field="points")
        transaction = self._log(program, ledger, kind, points, reason, order)
        transaction.active_on = clock.format_instant(active_on)
        transaction.expires_on = clock.format_instant(expires_on) if expires_on else None
        wallet.ledger(ledger).lots.append(
            Lot(
                id=transaction.id,
                points=points,
                remaining=points,
                active_on=transaction.active_on,
                expires_on=transaction.expires_on,
                order_id=order.id if order else None,
            )
        )
        if kind is not PointsTransactionKind.ACHIEVEMENT:  # a reward does not count towards another
            self.progress(program, AchievementMetric.POINTS, Decimal(points))
        return transaction

    def progress(self, program: LoyaltyProgram, metric: AchievementMetric, amount: Decimal) -> None:
        """Moves the consumer's achievements of the program that count `metric` and are running now;
        one that reaches its target is completed (once per period) and gives its rewardPoints."""
        for achievement in program.achievements:
            if achievement.metric is not metric or not _running(achievement, self.now):
                continue
            wallet = self.wallet(program)
            current = progress_of(program, achievement, wallet, self.now)
            if current.completed_on is not None:
                continue
            current.progress += amount
            if current.progress >= achievement.target:
                current.completed_on = self.instant
            wallet.achievements[achievement.key] = current
            if current.completed_on is not None:
                details = {"programId": program.id, "key": achievement.key, "name": achievement.name}
                self.events.append(timeline.event(TimelineEventType.ACHIEVEMENT_COMPLETED, self.instant, details))
            if current.completed_on is not None and achievement.reward_points:
                reason = f"Achievement {achievement.name}"
                try:
                    self.credit(
                        program, MAIN_LEDGER, achievement.reward_points, reason, PointsTransactionKind.ACHIEVEMENT
                    )
                except (ValidationFailed, BudgetExceeded) as refused:  # completed all the same
                    logger.warning("Achievement gave no points", extra={"key": achievement.key, "why": refused.details})

    def within_budget(self, program: LoyaltyProgram, action: BudgetAction, amount: int, field: str) -> int:
        """How much of `amount` the program's budget for `action` lets through now (all of it without
        a budget), recorded in the wallet's versioned write; past the limit, BudgetExceeded, or for a
        capping budget what is left of it (BudgetExceeded when nothing is)."""
        budget = next((budget for budget in program.budgets if budget.action is action), None)
        if budget is None:
            return amount
        wallet = self.wallet(program)
        use = budget_use(program, budget, wallet, self.now)
        allowed = min(amount, use.remaining)
        if allowed <= 0 or (allowed < amount and budget.overflow is BudgetOverflow.REFUSE):
            period = "in all" if budget.period is BudgetPeriod.NEVER else f"this {budget.period}"
            message = f"{use.used} of the {budget.limit} {action} allowed {period} are used"
            raise BudgetExceeded(details=[{"field": field, "message": message}])
        wallet.budgets[action] = Spent(period=use.period_start or "", used=use.used + allowed)
        return allowed

    def debit(self, program: LoyaltyProgram, ledger_id: str, points: int, reason: str) -> PointsTransaction:
        ledger = self.wallet(program).ledgers.get(ledger_id)
        available = ledger.active(self.instant) if ledger else 0
        if ledger is None or points > available:
            raise InsufficientPoints(
                details=[{"field": "points", "message": f"only {available} active points in ledger {ledger_id}"}]
            )
        ledger.spend(points, self.instant)
        return self._log(program, ledger_id, PointsTransactionKind.DEDUCTED, -points, reason, None)

    def take_back(self, program: LoyaltyProgram, order: Order, points: int, reason: str) -> int:
        taken = self.wallet(program).ledger(MAIN_LEDGER).take_back(order.id, points, self.instant)
        if taken:
            self._log(program, MAIN_LEDGER, PointsTransactionKind.TAKEN_BACK, -taken, reason, order)
        return taken

    def _log(
        self,
        program: LoyaltyProgram,
        ledger: str,
        kind: PointsTransactionKind,
        points: int,
        reason: str,
        order: Order | None,
    ) -> PointsTransaction:
        transaction = PointsTransaction(
            id=clock.new_id(TRANSACTION_PREFIX),
            consumer_id=self.consumer.id,
            program_id=program.id,
            ledger=ledger,
            kind=kind,
            points=points,
            reason=reason,
            active_on=None,
            expires_on=None,
            order_id=order.id if order else None,
            created_at=self.instant,
        )
        self.transactions.append(transaction)
        return transaction

    def consumer_after(self, consumer: Consumer, programs: dict[str, LoyaltyProgram]) -> Consumer:
        """`consumer` with the primary program's standing as the changed wallets now have it."""
        for program_id, (_, wallet) in self.wallets.items():
            program = programs[program_id]
            if program.primary:
                consumer = consumer.model_copy(update={"loyalty": summary_of(wallet, program, self.instant)})
        return consumer

    def operations(self, tenant: Tenant) -> list[dict[str, Any]]:
        """The wallet writes (conditional on the versions read), log entries and timeline events."""
        operations = []
        for before_version, wallet in self.wallets.values():
            wallet.version = before_version + 1
            operations.append(store.wallet_put(tenant, self.consumer.id, before_version, wallet))
        for transaction in self.transactions:
            operations.append(store.transaction_put(tenant, transaction))
            kind = TimelineEventType.POINTS_ADDED if transaction.points > 0 else TimelineEventType.POINTS_DEDUCTED
            details = {
                "transactionId": transaction.id,
                "kind": transaction.kind,
                "programId": transaction.program_id,
                "ledger": transaction.ledger,
                "points": transaction.points,
                "reason": transaction.reason,
            }
            event = timeline.event(kind, transaction.created_at, details)
            operations.append(timeline.put(tenant, self.consumer.id, event))
        operations += [timeline.put(tenant, self.consumer.id, event) for event in self.events]
        return operations


def _running(achievement: Achievement, now: datetime) -> bool:
    return (achievement.starts_at is None or achievement.starts_at <= now) and (
        achievement.ends_at is None or now < achievement.ends_at
    )


def _window(program: LoyaltyProgram, achievement: Achievement, now: datetime) -> tuple[str | None, str | None]:
    """(start, end) of the achievement's current period, within its own start and end."""
    window = period_of(achievement.period, now, ZoneInfo(program.timezone))
    start = max(filter(None, (window[0] if window else None, achievement.starts_at)), default=None)
    end = min(filter(None, (window[1] if window else None, achievement.ends_at)), default=None)
    return (clock.format_instant(start) if start else None), (clock.format_instant(end) if end else None)


def progress_of(program: LoyaltyProgram, achievement: Achievement, wallet: Wallet, now: datetime) -> Progress:
    """The consumer's progress in the achievement's current period (a copy): an earlier period's is none."""
    start, _ = _window(program, achievement, now)
    stored = wallet.achievements.get(achievement.key)
    if stored is None or stored.period != (start or ""):
        return Progress(period=start or "")
    return stored.model_copy()


def achievements(tenant: Tenant, consumer_id: str) -> ConsumerAchievements:
    """Each achievement of the tenant's programs as it stands for the consumer now."""
    now = datetime.now(UTC)
    get_consumer(tenant, consumer_id)
    wallets = store.wallets(tenant, consumer_id)
    shown = []
    for program in store.programs(tenant):
        wallet = wallets.get(program.id, Wallet(program_id=program.id))
        for achievement in program.achievements:
            current = progress_of(program, achievement, wallet, now)
            start, end = _window(program, achievement, now)
            if current.completed_on is not None:
                status = AchievementStatus.COMPLETED
            elif achievement.ends_at is not None and now >= achievement.ends_at:
                status = AchievementStatus.EXPIRED
            else:
                status = AchievementStatus.IN_PROGRESS
            shown.append(
                AchievementProgress(
                    program_id=program.id,
                    key=achievement.key,
                    name=achievement.name,
                    metric=achievement.metric,
                    progress=current.progress,
                    target=achievement.target,
                    status=status,
                    start=start,
                    end=end,
                    completed_on=current.completed_on,
                )
            )
    return ConsumerAchievements(consumer_id=consumer_id, as_of=clock.format_instant(now), achievements=shown)


def budget_use(program: LoyaltyProgram, budget: Budget, wallet: Wallet, now: datetime) -> BudgetUse:
    """The budget as it stands for the wallet's consumer at `now`: a use of an earlier period is 0."""
    window = period_of(budget.period, now, ZoneInfo(program.timezone))
    start, end = (clock.format_instant(window[0]), clock.format_instant(window[1])) if window else (None, None)
    spent = wallet.budgets.get(budget.action)
    used = spent.used if spent is not None and spent.period == (start or "") else 0
    return BudgetUse(
        program_id=program.id,
        action=budget.action,
        limit=budget.limit,
        period=budget.period,
        overflow=budget.overflow,
        used=used,
        remaining=max(budget.limit - used, 0),
        period_start=start,
        resets_at=end,
    )


def budgets(tenant: Tenant, consumer_id: str) -> ConsumerBudgets:
    """Each budget of the tenant's programs as it stands for the consumer now."""
    now = datetime.now(UTC)
    get_consumer(tenant, consumer_id)
    wallets = store.wallets(tenant, consumer_id)
    uses = [
        budget_use(program, budget, wallets.get(program.id, Wallet(program_id=program.id)), now)
        for program in store.programs(tenant)
        for budget in program.budgets
    ]
    return ConsumerBudgets(consumer_id=consumer_id, as_of=clock.format_instant(now), budgets=uses)


def summary_of(wallet: Wallet, program: LoyaltyProgram, now: str) -> Loyalty:
    total = wallet.balances(now, program.tiers, program.tier_basis)[0]
    return Loyalty(
        points=total.active_points,
        tier=total.tier,
        pending_points=total.pending_points,
        next_change_at=wallet.next_change(now),
    )


def begin(tenant: Tenant, consumer: Consumer, program_ids: list[str]) -> PointsChange:
    """Starts a change of the consumer's points in those programs, reading their wallets."""
    wallets = store.read_wallets(tenant, consumer.id, program_ids)
    return PointsChange(consumer, datetime.now(UTC), wallets)


def points_write(tenant: Tenant, change: PointsChange, programs: dict[str, LoyaltyProgram]) -> consumer_store.Write:
    """The change with the consumer's new standing, as one consumer's share of a transaction."""
    consumer = change.consumer
    after = change.consumer_after(consumer, programs)
    after = after.model_copy(
        update={
            "last_activity_at": max(consumer.last_activity_at or "", change.instant),
            "updated_at": change.instant,
            "version": consumer.version + 1,
        }
    )
    write = replace_write(tenant, consumer, after)
    for operation in change.operations(tenant):
        write.add(operation, consumer_store.ConsumerChanged)
    return write


def _points_write(tenant: Tenant, change: PointsChange, programs: dict[str, LoyaltyProgram]) -> None:
    """Commits the change with the consumer's new standing."""
    consumer_store.commit(points_write(tenant, change, programs))


def add_points(tenant: Tenant, consumer_id: str, request: PointsAdd) -> PointsTransaction:
    def attempt() -> PointsTransaction:
        consumer = get_consumer(tenant, consumer_id)
        program = get_program(tenant, request.program_id, field="programId")
        participating(consumer)  # after the ids: an unknown consumer or program is 404 whatever its state
        change = begin(tenant, consumer, [program.id])
        added = change.credit(
            program,
            request.ledger,
            request.points,
            request.reason,
            PointsTransactionKind.ADDED,
            request.start,
            request.expiry,
        )
        _points_write(tenant, change, {program.id: program})
        return added

    return retrying(attempt)


def deduct_points(tenant: Tenant, consumer_id: str, request: PointsDeduct) -> PointsTransaction:
    def attempt() -> PointsTransaction:
        consumer = get_consumer(tenant, consumer_id)
        program = get_program(tenant, request.program_id, field="programId")
        participating(consumer)  # after the ids: an unknown consumer or program is 404 whatever its state
        change = begin(tenant, consumer, [program.id])
        deducted = change.debit(program, request.ledger, request.points, request.reason)
        _points_write(tenant, change, {program.id: program})
        return deducted

    return retrying(attempt)


# ---------------------------------------------------------------- orders


def earned(order: Order, program: LoyaltyProgram) -> int:
    """Points the order's paid amount earns in the program (rounded down)."""
    if program.earning is None:
        return 0
    return int((order.net_amount * program.earning.points_per_unit).to_integral_value(rounding=ROUND_FLOOR))


def earn(change: PointsChange, programs: list[LoyaltyProgram], order: Order) -> dict[str, int]:
    """Credits what the order earns in each program, pending through the program's earning start."""
    points: dict[str, int] = {}
    for program in programs:
        if (amount := earned(order, program)) and program.earning is not None:
            reason = f"Order {order.external_id or order.id}"
            try:
                earned_now = change.credit(
                    program,
                    MAIN_LEDGER,
                    amount,
                    reason,
                    PointsTransactionKind.EARNED,
                    start=program.earning.start,
                    order=order,
                )
            except (ValidationFailed, BudgetExceeded) as refused:
                # A program's rules (a fixed expiry already past, a used-up budget) never stop the order.
                logger.warning("Order earned no points", extra={"programId": program.id, "why": refused.details})
                continue
            points[program.id] = earned_now.points  # a capping budget may have given less
    return points


def take_back(change: PointsChange, programs: list[LoyaltyProgram], order: Order, refunded: Decimal) -> dict[str, int]:
    """Takes back the share of each program's points that `refunded` (of the paid amount, in all)
    stands for; refunding everything takes back exactly what was earned."""
    taken: dict[str, int] = {}
    for program in programs:
        earned_points = order.points_earned.get(program.id, 0)
        if not earned_points:
            continue
        share = earned_points if refunded >= order.net_amount else int(earned_points * refunded / order.net_amount)
        due = share - order.points_taken_back.get(program.id, 0)
        if due > 0:
            reason = f"Refund of order {order.external_id or order.id}"
            taken[program.id] = order.points_taken_back.get(program.id, 0) + change.take_back(
                program, order, due, reason
            )
    return taken


# ---------------------------------------------------------------- joining


def grant_sign_up(tenant: Tenant, consumer_id: str) -> dict[str, int]:
    """Gives a member the signUp points of each program that has the rule, once per consumer and
    program (the wallet keeps when, and its write is conditional on the version read, so a stream
    delivering the change twice, or two changes racing, grant once). {program id: points} given."""

    def attempt() -> dict[str, int]:
        consumer = consumer_store.get(tenant, consumer_id)
        if consumer is None or consumer.membership is not Membership.MEMBER or participation(consumer):
            return {}
        programs = [program for program in store.programs(tenant) if program.sign_up is not None]
        change = begin(tenant, consumer, [program.id for program in programs])
        given: dict[str, int] = {}
        for program in programs:
            wallet = change.wallet(program)
            if wallet.signed_up_at is not None or program.sign_up is None:
                continue
            rule = program.sign_up
            try:
                credited = change.credit(
                    program, MAIN_LEDGER, rule.points, "Sign-up", PointsTransactionKind.SIGN_UP, rule.start, rule.expiry
                )
            except (ValidationFailed, BudgetExceeded) as refused:  # an expiry already past, a used-up budget
                logger.warning("Sign-up earned no points", extra={"programId": program.id, "why": refused.details})
                continue
            wallet.signed_up_at = change.instant
            given[program.id] = credited.points  # a capping budget may have given less
        if given:
            _points_write(tenant, change, {program.id: program for program in programs})
        return given

    return retrying(attempt)


# ---------------------------------------------------------------- reading


def loyalty_summary(
    tenant: Tenant, consumer_id: str, program_id: str | None = None, ledger: str | None = None
) -> LoyaltySummary:
    """Per program: all ledgers together, then each ledger (or just the ledger asked for)."""
    now = clock.now()
    programs = {program.id: program for program in store.programs(tenant)}
    if program_id is not None and program_id not in programs:
        raise LoyaltyProgramNotFound(details=[{"field": "programId", "message": "no loyalty program has this id"}])
    get_consumer(tenant, consumer_id)  # a deleted consumer's ledgers stay for the books, not for reading
    wallets = store.wallets(tenant, consumer_id)
    balances = []
    for program in programs.values():
        if program_id is not None and program.id != program_id:
            continue
        wallet = wallets.get(program.id, Wallet(program_id=program.id))
        for balance in wallet.balances(now, program.tiers, program.tier_basis):
            if ledger is None or balance.ledger == ledger:
                balances.append(balance)
    return LoyaltySummary(consumer_id=consumer_id, as_of=now, programs=balances)


class TransactionsRequest(NamedTuple):
    program_id: str | None = None
    ledger: str | None = None
    created_after: datetime | None = None
    created_before: datetime | None = None


def transactions(tenant: Tenant, consumer_id: str, request: TransactionsRequest, page: PageRequest) -> dict[str, Any]:
    """The consumer's points transactions, newest first; the date range is a key range."""
    if (
        request.created_after
        and request.created_before
        and _aware(request.created_after) >= _aware(request.created_before)
    ):
        raise ValidationFailed(details=[{"field": "createdBefore", "message": "must be later than createdAfter"}])
    return paged(
        tenant,
        transactions_source(tenant, consumer_id, request),
        {"points": consumer_id, "request": request._asdict()},
        page,
        lambda items: [store.PointsTransactionRecord.from_item(item).to_api() for item in items],
        owner=lambda: consumer_store.existing(tenant, consumer_id),
    )


def transactions_source(
    tenant: Tenant, consumer_id: str, request: TransactionsRequest, forward: bool = False
) -> Source:
    low = store.PointsTransactionRecord.PREFIX + (
        clock.id_bound(TRANSACTION_PREFIX, _aware(request.created_after), upper=False)
        if request.created_after
        else f"{TRANSACTION_PREFIX}_"
    )
    high = store.PointsTransactionRecord.PREFIX + (
        clock.id_bound(TRANSACTION_PREFIX, _aware(request.created_before), upper=False)
        if request.created_before
        else f"{TRANSACTION_PREFIX}_~"
    )
    conditions, names, values = [], {}, {}
    if request.program_id is not None:
        conditions.append("#program = :program")
        names["#program"], values[":program"] = "programId", request.program_id
    if request.ledger is not None:
        conditions.append("#ledger = :ledger")
        names["#ledger"], values[":ledger"] = "ledger", request.ledger
    return Source(
        index_name=None,
        hash_attribute="pk",
        hash_value=consumer_store.ConsumerRecord.key(tenant, consumer_id)["pk"],
        range_attribute="sk",
        segments=(Segment(low, high, forward),),
        filter_expression=" AND ".join(conditions) or None,
        filter_names=names,
        filter_values=values,
        consistent=True,
    )


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


# ---------------------------------------------------------------- the scheduled refresh


def refresh_due(now: datetime, budget: int = 1000) -> int:
    """Brings the loyalty summary of consumers whose points changed by themselves (pending points
    activated, active ones expired) up to date: one Query per shard of the byDue index for entries
    due by `now`, at most `budget` consumers a run. Returns how many were refreshed."""
    due = clock.format_instant(now)
    refreshed = 0
    for shard in range(consumer_store.DUE_SHARDS):
        for tenant, consumer_id in consumer_store.due_consumers(shard, due, budget - refreshed):
            try:
                retrying(functools.partial(_refresh, tenant, consumer_id))
            except Exception:  # one consumer must not hold up every other one behind it
                logger.exception("Loyalty refresh failed", extra={"consumerId": consumer_id})
                continue
            refreshed += 1
        if refreshed >= budget:
            break
    return refreshed


def _refresh(tenant: Tenant, consumer_id: str) -> None:
    consumer = consumer_store.get(tenant, consumer_id)
    if consumer is None:
        return
    program = next((program for program in store.programs(tenant) if program.primary), None)
    now = clock.now()
    if program is None:
        summary = consumer.loyalty.model_copy(update={"next_change_at": None})
    else:
        wallet = store.wallets(tenant, consumer_id).get(program.id, Wallet(program_id=program.id))
        summary = summary_of(wallet, program, now)
    if summary == consumer.loyalty:
        return
    after = consumer.model_copy(update={"loyalty": summary, "version": consumer.version + 1})
    consumer_store.commit(consumer_store.replace_write(tenant, consumer, after))

"""Points for both sides of a referral, by the loyalty programs' referral rules: granted once per
referral from the stream (functions/reward_referral), in one transaction with both consumers' points
and the referral marked rewarded on condition that it was not. A blocked or inactive side gets none;
the other side still gets its points."""

from __future__ import annotations

from clientele.consumers import store as consumer_store
from clientele.consumers.service import retrying
from clientele.core import clock
from clientele.core.errors import BudgetExceeded, ValidationFailed
from clientele.core.tenancy import Tenant
from clientele.loyalty import service as loyalty
from clientele.loyalty import store as loyalty_store
from clientele.loyalty.models import MAIN_LEDGER, BudgetAction, PointsTransactionKind
from clientele.referrals import store


def reward(tenant: Tenant, referred_id: str) -> dict[str, int]:
    """{"advocate": points, "referred": points} given now; empty when the referral was rewarded
    before, is gone, or no program has a referral rule."""

    def attempt() -> dict[str, int]:
        referral = store.get_referral(tenant, referred_id)
        programs = [program for program in loyalty_store.programs(tenant) if program.referral is not None]
        if referral is None or referral.rewarded_at is not None or not programs:
            return {}
        by_id = {program.id: program for program in programs}
        write = consumer_store.Write()
        given = {"advocate": 0, "referred": 0}
        for side, consumer_id in (("advocate", referral.advocate_id), ("referred", referral.referred_id)):
            consumer = consumer_store.get(tenant, consumer_id)
            if consumer is None or loyalty.participation(consumer) is not None:
                continue
            change = loyalty.begin(tenant, consumer, list(by_id))
            for program in programs:
                assert program.referral is not None
                points = program.referral.advocate_points if side == "advocate" else program.referral.referred_points
                if not points:
                    continue
                reason = f"Referral {referral.code}"
                try:
                    if side == "advocate":  # a referral_rewards budget counts the advocate's rewards
                        change.within_budget(program, BudgetAction.REFERRAL_REWARDS, 1, field="referralCode")
                    credited = change.credit(program, MAIN_LEDGER, points, reason, PointsTransactionKind.REFERRAL)
                except (ValidationFailed, BudgetExceeded):  # an expiry already past, a used-up budget
                    continue
                given[side] += credited.points
            if change.transactions:
                write.extend(loyalty.points_write(tenant, change, by_id))
        marked = referral.model_copy(
            update={
                "rewarded_at": clock.now(),
                "advocate_points": given["advocate"],
                "referred_points": given["referred"],
            }
        )
        write.add(store.rewarded(tenant, marked), consumer_store.ConsumerChanged)  # rewarded meanwhile: re-read
        consumer_store.commit(write)
        return given

    return retrying(attempt)

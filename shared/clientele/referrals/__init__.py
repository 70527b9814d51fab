"""Referrals (seed 003's referral codes and referred customers): an advocate's codes, and the people
who came with them, once per referred person. Points for both sides come from the loyalty program's
referral rule, granted from the stream (functions/reward_referral)."""

BUILDS_ON: tuple[str, ...] = ("consumers", "loyalty")  # loyalty: the rewards (referrals/rewards.py)

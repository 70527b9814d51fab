"""Loyalty programs: earning and expiry rules, tiers, the points ledger (lots in a wallet), points
added and deducted, and a consumer's standing. Builds on consumers."""

BUILDS_ON: tuple[str, ...] = ("consumers",)

"""Orders, refunds and the stored balance: what a consumer bought and paid, and its aggregates on the
profile. Builds on consumers and loyalty (an order earns points)."""

BUILDS_ON: tuple[str, ...] = ("consumers", "loyalty", "coupons", "referrals")

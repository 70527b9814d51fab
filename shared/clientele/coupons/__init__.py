"""Coupons issued to one recipient (seed 003's Coupons tab), redeemed by its orders."""

BUILDS_ON: tuple[str, ...] = ("consumers",)

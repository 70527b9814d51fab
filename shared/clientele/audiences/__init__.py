"""Audiences: named groups of consumers and their members. Builds on consumers (a member is a copy of one)."""

BUILDS_ON: tuple[str, ...] = ("consumers",)

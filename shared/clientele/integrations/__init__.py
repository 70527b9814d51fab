"""Integrations: the Klaviyo settings, the outbound profile sync and its backfill (resync)."""

BUILDS_ON: tuple[str, ...] = ("consumers",)

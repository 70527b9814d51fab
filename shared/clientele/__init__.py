"""Clientele: consumer profiles for organizations. The Lambda layer's package: `core` (tenancy, errors,
clock, settings, HTTP glue, paging, the store) and one package per domain, each holding its wire
models, its rules and its stored entities."""

from clientele.core.coldstart import pause_collector

pause_collector()  # until the function's handler is built (core/coldstart.py says why)

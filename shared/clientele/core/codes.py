"""Codes people read out and type (coupons, referral codes): drawn when the caller gives none, unique
in their environment by a conditional put, drawn again in the rare case one is taken."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import datetime

from clientele.core import clock
from clientele.core.errors import ValidationFailed

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I
LENGTH = 10
DRAWS = 5  # a drawn code that is taken (1 in 32^10 per code held) is drawn again


def draw() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def stored_under_a_free_code[Thing](
    given: str | None, make: Callable[[str], Thing], store: Callable[[Thing], None], taken: type[Exception]
) -> Thing:
    """`make(code)`, stored by `store` (which raises `taken` when the code is not free): under the
    given code, or under a drawn one, drawn again while taken."""
    for _ in range(1 if given is not None else DRAWS):
        thing = make(given if given is not None else draw())
        try:
            store(thing)
        except taken:
            if given is not None:
                raise
            continue
        return thing
    raise taken()


def expiry(expires_at: datetime | None, now: str) -> str | None:
    """A code's `expiresAt` as stored, refused when it is already past."""
    if expires_at is None:
        return None
    stored = clock.format_instant(expires_at)
    if stored <= now:
        raise ValidationFailed(details=[{"field": "expiresAt", "message": "is in the past"}])
    return stored

"""Consent from an import's file, the one path that may say a person agreed before now.

Per channel (email, sms) three columns, each optional:

  <channel>Consent      subscribed, unsubscribed or never_subscribed
  <channel>ConsentedAt  when the person gave it: an ISO 8601 time (a date alone is midnight UTC), not later than now
  <channel>ConsentWording  the form or wording version they agreed to

A file records a state, it does not re-enact it: a row whose state the channel already has changes
nothing (the first record, with its own time and method, stays), and neither does a row older than
the channel's current record (a later unsubscribe is not undone by an older list).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, NamedTuple

from clientele.consent.service import recorded
from clientele.consumers.enums import ConsentChannel, ConsentMethod, ConsentState
from clientele.consumers.models import ChannelConsent, Consumer
from clientele.core import clock
from clientele.core.tenancy import Tenant

STATE, CONSENTED_AT, WORDING = "Consent", "ConsentedAt", "ConsentWording"
MAX_WORDING = 100


def column(channel: ConsentChannel, part: str) -> str:
    """The column's name as the import's errors give it: emailConsent, smsConsentedAt…"""
    return f"{channel}{part}"


# A header (lower-cased, without spaces, underscores and hyphens) -> (channel, part).
COLUMNS: dict[str, tuple[ConsentChannel, str]] = {
    alias: (channel, part)
    for channel in ConsentChannel
    for part, aliases in ((STATE, ("consent",)), (CONSENTED_AT, ("consentedat",)), (WORDING, ("consentwording",)))
    for alias in (f"{channel}{name}" for name in aliases)
}


class Given(NamedTuple):
    """One channel's consent as a row of the file gives it."""

    channel: ConsentChannel
    state: ConsentState
    consented_at: str | None
    wording_version: str | None


class Refused(NamedTuple):
    column: str
    message: str


def read(cells: dict[tuple[ConsentChannel, str], str], now: str) -> tuple[list[Given], list[Refused]]:
    """A row's consent cells (empty ones left out) as what each channel is given, or why not."""
    given: list[Given] = []
    refused: list[Refused] = []
    for channel in ConsentChannel:
        state_cell = cells.get((channel, STATE))
        at_cell = cells.get((channel, CONSENTED_AT))
        wording = cells.get((channel, WORDING))
        problems: list[Refused] = []
        state = _state(state_cell) if state_cell else None
        if state_cell and state is None:
            states = ", ".join(ConsentState)
            problems.append(Refused(column(channel, STATE), f"must be one of {states}"))
        if (at_cell or wording) and not state_cell:
            problems.append(
                Refused(
                    column(channel, STATE),
                    f"is needed beside {column(channel, CONSENTED_AT)} or {column(channel, WORDING)}",
                )
            )
        consented_at = _instant(at_cell, now) if at_cell else None
        if at_cell and consented_at is None:
            message = "must be an ISO 8601 time (2024-03-01T09:30:00Z, or a date) no later than now"
            problems.append(Refused(column(channel, CONSENTED_AT), message))
        if wording and len(wording) > MAX_WORDING:
            problems.append(Refused(column(channel, WORDING), f"must be at most {MAX_WORDING} characters"))
        if problems:
            refused += problems
        elif state is not None:
            given.append(Given(channel, state, consented_at, wording))
    return given, refused


def _state(cell: str) -> ConsentState | None:
    try:
        return ConsentState(cell.strip().lower().replace(" ", "_"))
    except ValueError:
        return None


def _instant(cell: str, now: str) -> str | None:
    try:
        moment = datetime.fromisoformat(cell.strip())
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    if moment > clock.parse(now):
        return None
    return clock.format_instant(moment)


def applied(
    tenant: Tenant, consumer: Consumer, given: list[Given], *, import_id: str
) -> tuple[Consumer, list[dict[str, Any]]]:
    """The consumer with the row's consent (its version unchanged), and the log and timeline puts
    that go into the transaction storing it; the import's id is the changes' actor."""
    puts: list[dict[str, Any]] = []
    for channel, state, consented_at, wording in given:
        current: ChannelConsent = getattr(consumer.consent, channel)
        if current.state == state:
            continue
        if consented_at and current.consented_at and consented_at < current.consented_at:
            continue
        stated = ChannelConsent(state=state, method=ConsentMethod.IMPORT, wording_version=wording)
        change = recorded(tenant, consumer, channel, stated, actor=import_id, consented_at=consented_at)
        if change is not None:
            consumer, more = change
            puts += more
    return consumer, puts

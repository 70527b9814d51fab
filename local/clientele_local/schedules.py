"""Schedule events (`rate(5 minutes)`): the local stack invokes those functions on their rate, with
the event EventBridge would send. `CLIENTELE_SCHEDULE_SCALE` shrinks every rate (tests use it)."""

from __future__ import annotations

import os
import re
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from clientele_local.polling import Poller
from clientele_local.template import ACCOUNT_ID, FUNCTION, REGION, Template
from clientele_local.workers import WorkerPool

_RATE = re.compile(r"^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$")
_SECONDS = {"minute": 60, "hour": 3600, "day": 86400}


@dataclass(frozen=True)
class ScheduleSource:
    function: str
    name: str
    every: float  # seconds


def schedule_sources(tpl: Template) -> list[ScheduleSource]:
    scale = float(os.environ.get("CLIENTELE_SCHEDULE_SCALE", "1"))
    sources = []
    for function, res in tpl.resources(FUNCTION).items():
        for name, event in ((res.get("Properties") or {}).get("Events") or {}).items():
            if event.get("Type") != "Schedule":
                continue
            expression = str(tpl.resolve(event.get("Properties") or {})["Schedule"])
            match = _RATE.match(expression)
            if match is None:
                raise ValueError(f"{function}.{name}: the local stack runs rate() schedules only, not {expression}")
            every = int(match.group(1)) * _SECONDS[match.group(2).rstrip("s")]
            sources.append(ScheduleSource(function, name, every * scale))
    return sources


def scheduled_event(source: ScheduleSource) -> dict[str, object]:
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": ACCOUNT_ID,
        "time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": REGION,
        "resources": [f"arn:aws:events:{REGION}:{ACCOUNT_ID}:rule/{source.function}-{source.name}"],
        "detail": {},
    }


class SchedulePoller(Poller):
    def __init__(self, source: ScheduleSource, pool: WorkerPool, stop: threading.Event) -> None:
        super().__init__(f"schedule-{source.function}", stop)
        self.source, self.pool = source, pool
        self.next_run = time.monotonic() + source.every

    def _poll_once(self) -> None:
        if time.monotonic() < self.next_run:
            return
        self.next_run = time.monotonic() + self.source.every
        self.pool.invoke(self.source.function, scheduled_event(self.source))


def start_pollers(tpl: Template, pool: WorkerPool, stop: threading.Event) -> list[SchedulePoller]:
    pollers = [SchedulePoller(source, pool, stop) for source in schedule_sources(tpl)]
    for poller in pollers:
        poller.start()
    return pollers

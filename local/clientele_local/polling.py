"""The loop every event-source poller shares: poll, log a failure and go on, until stopped."""

from __future__ import annotations

import logging
import threading

log = logging.getLogger("clientele_local")

POLL_INTERVAL = 0.2  # seconds between polls, as Lambda's pollers feel: quick but not busy


class Poller(threading.Thread):
    def __init__(self, name: str, stop: threading.Event) -> None:
        super().__init__(name=name, daemon=True)
        self.stop_event = stop

    def run(self) -> None:
        while not self.stop_event.is_set():
            try:
                self._poll_once()
            except Exception:
                log.exception("poller %s failed; retrying", self.name)
            self.stop_event.wait(POLL_INTERVAL)

    def _poll_once(self) -> None:
        raise NotImplementedError

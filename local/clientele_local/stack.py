"""The whole local stack: moto, resources, workers, gateway, event pollers, persistence.

Persistence is a snapshot (persistence.py) plus a write-ahead journal (journal.py) of every write
since: at start the journal is replayed over the snapshot and folded into it, and so at a graceful
stop; a crash loses no acknowledged write.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from clientele_local import journal, moto_patches, persistence, s3events, schedules, sqsevents, streams
from clientele_local.gateway import Gateway
from clientele_local.resources import AWS_ENV, Moto, create_resources
from clientele_local.template import ACCOUNT_ID, REGION, TABLE, Template
from clientele_local.workers import WorkerPool, function_specs

log = logging.getLogger("clientele_local")


@dataclass
class LocalStack:
    template_path: Path
    state_dir: Path
    port: int = 3000
    host: str = "127.0.0.1"
    parameters: dict[str, str] = field(default_factory=dict)
    auth_cache: bool = True
    persist: bool = True
    journaling: bool = True  # False only for the bench's comparison: a crash then loses the writes since start

    tpl: Template = field(init=False)
    moto: Moto = field(init=False, default_factory=Moto)
    resources: dict[str, str] = field(init=False, default_factory=dict)
    pool: WorkerPool | None = field(init=False, default=None)
    gateway: Gateway | None = field(init=False, default=None)
    _stop: threading.Event = field(init=False, default_factory=threading.Event)
    _pollers: list[threading.Thread] = field(init=False, default_factory=list)
    _loaded: bool = field(init=False, default=False)  # never dump over saved state we did not load
    _journal: journal.Journal | None = field(init=False, default=None)

    def start(self) -> None:
        self.tpl = Template.load(self.template_path, self.parameters)
        self.state_dir.mkdir(parents=True, exist_ok=True)
        self.moto.start()
        moto_patches.apply(moto_patches.FAST_ANSWERS)
        self.resources = create_resources(self.tpl, self.moto)
        if self.persist:
            persistence.load(self.tpl, self.moto, self.state_dir)  # before pollers start at LATEST
            self._replay_journal()
        self._loaded = True
        self.pool = WorkerPool(function_specs(self.tpl, self.function_aws_env()))
        self._pollers = [
            *streams.start_pollers(self.tpl, self.moto, self.pool, self._stop),
            *s3events.start_pollers(self.tpl, self.moto, self.pool, self._stop),
            *sqsevents.start_pollers(self.tpl, self.moto, self.pool, self._stop),
            *schedules.start_pollers(self.tpl, self.pool, self._stop),
        ]
        self.gateway = Gateway(self.tpl, self.pool, auth_cache=self.auth_cache)
        self.port = self.gateway.start(self.host, self.port)

    def _replay_journal(self) -> None:
        """The writes since the snapshot (a crash, or a stop cut short) go back into moto and into a
        new snapshot, then journaling starts afresh."""
        self._journal = journal.Journal(self.state_dir / "journal")
        replayed = self._journal.replay(journal.into_moto(ACCOUNT_ID, REGION))
        if replayed.records:
            persistence.dump(self.tpl, self.moto, self.state_dir)
        self._journal.remove(replayed.segments)
        if self.journaling:
            self._journal.open()
            journal.activate(self._journal)
        else:
            log.warning("journal off: writes since start are saved only by a graceful stop")

    def function_aws_env(self) -> dict[str, str]:
        # WEBHOOKS_ALLOW_LOCAL: outbound webhooks may go to a receiver on this machine (template.yaml never sets it).
        return {**AWS_ENV, "AWS_ENDPOINT_URL": self.moto.url, "WEBHOOKS_ALLOW_LOCAL": "1"}

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def table_name(self) -> str | None:
        tables = list(self.tpl.resources(TABLE))
        return self.resources[tables[0]] if len(tables) == 1 else None

    def describe(self) -> dict[str, Any]:
        return {
            "port": self.port,
            "baseUrl": self.base_url,
            "awsEndpointUrl": self.moto.url,
            "region": REGION,
            "resources": self.resources,
            "tableName": self.table_name,
            "functions": sorted(self.pool.specs) if self.pool else [],
            "routes": [f"{r.method} {r.path} -> {r.function}" for r in self.gateway.routes] if self.gateway else [],
            "stateDir": str(self.state_dir),
            "pid": os.getpid(),
        }

    def write_stack_file(self) -> Path:
        path = self.state_dir / "stack.json"
        tmp = path.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(self.describe(), indent=2) + "\n", encoding="utf-8")
        tmp.replace(path)
        return path

    def stop(self) -> None:
        """Stop serving, let pollers finish their current batch, save state, stop everything."""
        (self.state_dir / "stack.json").unlink(missing_ok=True)
        if self.gateway is not None:
            self.gateway.stop()
        self._stop.set()
        for poller in self._pollers:
            poller.join(15)
        try:
            if self.persist and self._loaded and self.moto.server is not None:
                # Writes from now on go to a new segment: the snapshot covers the older ones.
                covered = self._journal.rotate() if self.journaling and self._journal else []
                persistence.dump(self.tpl, self.moto, self.state_dir)
                if self._journal is not None:
                    self._journal.remove(covered)
        finally:
            if self.pool is not None:
                self.pool.stop()
            self.moto.stop()
            journal.activate(None)
            if self._journal is not None:
                self._journal.close()  # empty unless a write landed during the dump

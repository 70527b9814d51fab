"""The whole local stack: moto, resources, workers, gateway, event pollers, persistence."""

from __future__ import annotations

import json
import logging
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from clientele_local import persistence, s3events, schedules, streams
from clientele_local.gateway import Gateway
from clientele_local.resources import AWS_ENV, Moto, create_resources
from clientele_local.template import REGION, TABLE, Template
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

    tpl: Template = field(init=False)
    moto: Moto = field(init=False, default_factory=Moto)
    resources: dict[str, str] = field(init=False, default_factory=dict)
    pool: WorkerPool | None = field(init=False, default=None)
    gateway: Gateway | None = field(init=False, default=None)
    _stop: threading.Event = field(init=False, default_factory=threading.Event)
    _pollers: list[threading.Thread] = field(init=False, default_factory=list)
    _loaded: bool = field(init=False, default=False)  # never dump over saved state we did not load

    def start(self) -> None:
        self.tpl = Template.load(self.template_path, self.parameters)
        self.state_dir.mkdir(parents=True, exist_ok=True)
        self.moto.start()
        self.resources = create_resources(self.tpl, self.moto)
        if self.persist:
            persistence.load(self.tpl, self.moto, self.state_dir)  # before pollers start at LATEST
        self._loaded = True
        self.pool = WorkerPool(function_specs(self.tpl, self.function_aws_env()))
        self._pollers = [
            *streams.start_pollers(self.tpl, self.moto, self.pool, self._stop),
            *s3events.start_pollers(self.tpl, self.moto, self.pool, self._stop),
            *schedules.start_pollers(self.tpl, self.pool, self._stop),
        ]
        self.gateway = Gateway(self.tpl, self.pool, auth_cache=self.auth_cache)
        self.port = self.gateway.start(self.host, self.port)

    def function_aws_env(self) -> dict[str, str]:
        return {**AWS_ENV, "AWS_ENDPOINT_URL": self.moto.url}

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
                persistence.dump(self.tpl, self.moto, self.state_dir)
        finally:
            if self.pool is not None:
                self.pool.stop()
            self.moto.stop()

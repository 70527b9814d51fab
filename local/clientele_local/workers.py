"""Each function runs in its own long-lived process, like a warm Lambda execution environment."""

from __future__ import annotations

import importlib
import json
import logging
import multiprocessing
import os
import signal
import sys
import threading
import time
import traceback
import uuid
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any, TextIO

from clientele_local.template import ACCOUNT_ID, FUNCTION, REGION, Template

log = logging.getLogger("clientele_local")

INIT_TIMEOUT = 60.0  # imports of a cold start; Lambda allows 10 s but a laptop can be slow


@dataclass(frozen=True)
class FunctionSpec:
    logical_id: str
    code_dir: str
    handler: str
    env: dict[str, str]
    memory_mb: int
    timeout_s: float
    layer_dirs: tuple[str, ...] = ()

    @property
    def arn(self) -> str:
        return f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{self.logical_id}"


def function_specs(tpl: Template, aws_env: dict[str, str]) -> dict[str, FunctionSpec]:
    """Every AWS::Serverless::Function with Globals merged and its environment resolved."""
    layers = tpl.resources("AWS::Serverless::LayerVersion")
    specs = {}
    for logical_id, res in tpl.resources(FUNCTION).items():
        props = res.get("Properties") or {}
        layer_dirs = []
        for layer in props.get("Layers") or []:
            # Only layers of this template have local code (ContentUri); others are skipped.
            if isinstance(layer, dict) and layer.get("Ref") in layers:
                uri = (layers[layer["Ref"]].get("Properties") or {}).get("ContentUri")
                if isinstance(uri, str):
                    layer_dirs.append(str((tpl.root / uri).resolve()))
        variables = tpl.resolve((props.get("Environment") or {}).get("Variables") or {})
        env = {k: _env_str(v) for k, v in variables.items()}
        memory = int(tpl.resolve(props.get("MemorySize", 128)))
        timeout = float(tpl.resolve(props.get("Timeout", 3)))
        env.update(aws_env)
        env.update(
            {
                "AWS_LAMBDA_FUNCTION_NAME": logical_id,
                "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(memory),
                "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
                "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{logical_id}",
                "_HANDLER": str(props.get("Handler", "")),
                "AWS_SAM_LOCAL": "true",
                "POWERTOOLS_TRACE_DISABLED": "true",
                "AWS_XRAY_SDK_ENABLED": "false",
            }
        )
        code_uri = props.get("CodeUri", ".")
        specs[logical_id] = FunctionSpec(
            logical_id=logical_id,
            code_dir=str((tpl.root / str(code_uri)).resolve()),
            handler=str(props["Handler"]),
            env=env,
            memory_mb=memory,
            timeout_s=timeout,
            layer_dirs=tuple(layer_dirs),
        )
    return specs


def _env_str(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


@dataclass
class InvokeResult:
    ok: bool
    payload: Any = None
    error_type: str = ""
    error_message: str = ""
    request_id: str = ""

    def __str__(self) -> str:
        return "ok" if self.ok else f"{self.error_type}: {self.error_message}"


@dataclass
class Worker:
    """Parent-side handle of one function's process; invocations are serialized."""

    spec: FunctionSpec
    prefix_logs: bool = True
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _process: Any = field(default=None, repr=False)
    _conn: Connection | None = field(default=None, repr=False)

    def invoke(self, event: Any, request_id: str | None = None) -> InvokeResult:
        request_id = request_id or str(uuid.uuid4())
        with self._lock:
            try:
                self._ensure_started()
                assert self._conn is not None
                self._conn.send((json.dumps(event), request_id))
                if not self._conn.poll(self.spec.timeout_s + 1.0):
                    self._kill()
                    return InvokeResult(
                        False,
                        error_type="Sandbox.Timedout",
                        error_message=f"Task timed out after {self.spec.timeout_s:.2f} seconds",
                        request_id=request_id,
                    )
                ok, body = self._conn.recv()
            except (EOFError, OSError, BrokenPipeError) as exc:
                self._kill()
                return InvokeResult(
                    False, error_type="Runtime.ExitError", error_message=repr(exc), request_id=request_id
                )
        if ok:
            return InvokeResult(True, payload=json.loads(body), request_id=request_id)
        return InvokeResult(
            False, error_type=body["errorType"], error_message=body["errorMessage"], request_id=request_id
        )

    def _ensure_started(self) -> None:
        if self._process is not None and self._process.is_alive():
            return
        ctx = multiprocessing.get_context("spawn")
        parent, child = ctx.Pipe()
        self._process = ctx.Process(
            target=_worker_main,
            args=(child, self.spec, self.prefix_logs),
            name=f"lambda-{self.spec.logical_id}",
            daemon=True,
        )
        self._process.start()
        child.close()
        self._conn = parent
        # Like Lambda's INIT_START: a new execution environment (also after a crash); the pid lets a
        # test kill it (clientele_local.testing.RunningStack.worker_pids).
        log.info("%s: worker started (pid %d)", self.spec.logical_id, self._process.pid)
        if not parent.poll(INIT_TIMEOUT):
            self._kill()
            raise OSError(f"{self.spec.logical_id} did not finish its init phase in {INIT_TIMEOUT}s")
        parent.recv()  # init done (an import error is reported per invocation, like Lambda)

    def _kill(self) -> None:
        if self._process is not None:
            self._process.kill()
            self._process.join(5)
        if self._conn is not None:
            self._conn.close()
        self._process = self._conn = None

    def stop(self) -> None:
        with self._lock:
            if self._conn is not None:
                try:
                    self._conn.send(None)
                    self._process.join(2)
                except (OSError, BrokenPipeError):
                    pass
            self._kill()


DEFAULT_CONCURRENCY = int(os.environ.get("CLIENTELE_CONCURRENCY", "4"))


class WorkerPool:
    """Each function's workers, one per request in flight, up to `concurrency` at once: as Lambda
    scales out with concurrent requests, so parallel calls really run side by side here. A worker
    (a process) starts when a request finds every existing one busy, and is kept warm after."""

    def __init__(self, specs: dict[str, FunctionSpec], concurrency: int = DEFAULT_CONCURRENCY) -> None:
        self.specs = specs
        self.concurrency = max(1, concurrency)
        self.workers: dict[str, list[Worker]] = {name: [] for name in specs}  # every one started
        self._idle: dict[str, list[Worker]] = {name: [] for name in specs}
        self._free = threading.Condition()

    def invoke(self, function: str, event: Any, request_id: str | None = None) -> InvokeResult:
        worker = self._take(function)
        try:
            return worker.invoke(event, request_id)
        finally:
            with self._free:
                self._idle[function].append(worker)
                self._free.notify()

    def _take(self, function: str) -> Worker:
        with self._free:
            while not self._idle[function] and len(self.workers[function]) >= self.concurrency:
                self._free.wait()
            if self._idle[function]:
                return self._idle[function].pop()
            worker = Worker(self.specs[function])  # its process starts with its first invocation
            self.workers[function].append(worker)
            return worker

    def stop(self) -> None:
        """Every worker at once: one by one, a stack that ran fifty functions took 20 s to stop."""
        stopping = [threading.Thread(target=worker.stop) for workers in self.workers.values() for worker in workers]
        for thread in stopping:
            thread.start()
        for thread in stopping:
            thread.join()


# ----------------------------------------------------------------------------- child side


class _PrefixedStream:
    """Line-buffered writer that prefixes every line with the function name."""

    def __init__(self, target: TextIO, prefix: str) -> None:
        self._target = target
        self._prefix = prefix
        self._buffer = ""

    def write(self, text: str) -> int:
        self._buffer += text
        while "\n" in self._buffer:
            line, self._buffer = self._buffer.split("\n", 1)
            self._target.write(f"{self._prefix}{line}\n")
            self._target.flush()
        return len(text)

    def flush(self) -> None:
        if self._buffer:
            self._target.write(f"{self._prefix}{self._buffer}\n")
            self._buffer = ""
        self._target.flush()

    def isatty(self) -> bool:
        return False

    @property
    def encoding(self) -> str:
        return "utf-8"


class LambdaContext:
    def __init__(self, spec: FunctionSpec, request_id: str) -> None:
        self.function_name = spec.logical_id
        self.function_version = "$LATEST"
        self.invoked_function_arn = spec.arn
        self.memory_limit_in_mb = spec.memory_mb
        self.aws_request_id = request_id
        self.log_group_name = f"/aws/lambda/{spec.logical_id}"
        self.log_stream_name = f"local/[$LATEST]{uuid.uuid4().hex}"
        self.identity = None
        self.client_context = None
        self._deadline = time.monotonic() + spec.timeout_s

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def _worker_main(conn: Connection, spec: FunctionSpec, prefix_logs: bool) -> None:
    # Ctrl-C reaches the whole process group; the parent decides when workers stop.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    os.environ.update(spec.env)
    if prefix_logs:
        sys.stdout = _PrefixedStream(sys.__stdout__, f"[{spec.logical_id}] ")  # type: ignore[arg-type]
        sys.stderr = _PrefixedStream(sys.__stdout__, f"[{spec.logical_id}] ")  # type: ignore[arg-type]
    # /var/task first, then /opt/python (the layer), as in the Lambda runtime.
    for path in reversed((spec.code_dir, *spec.layer_dirs)):
        sys.path.insert(0, path)
    os.chdir(spec.code_dir)

    handler: Any = None
    init_error: dict[str, str] | None = None
    module_name, _, func_name = spec.handler.rpartition(".")
    try:
        module = importlib.import_module(module_name)
        handler = getattr(module, func_name)
    except Exception as exc:
        traceback.print_exc()
        init_error = {"errorType": "Runtime.ImportModuleError", "errorMessage": f"{type(exc).__name__}: {exc}"}
    conn.send("ready")

    while True:
        try:
            message = conn.recv()
        except EOFError:
            return
        if message is None:
            return
        event_json, request_id = message
        if init_error is not None:
            conn.send((False, init_error))
            continue
        try:
            result = handler(json.loads(event_json), LambdaContext(spec, request_id))
            body = json.dumps(result)
        except Exception as exc:
            traceback.print_exc()
            error = {"errorType": type(exc).__name__, "errorMessage": str(exc)}
            sys.stdout.flush()
            conn.send((False, error))
            continue
        sys.stdout.flush()
        conn.send((True, body))

"""Start `python -m clientele_local` as a subprocess for tests (local and e2e).

with running_stack(state_dir=tmp_path / "state", demo_key=False) as stack:
    requests.get(f"{stack.base_url}/_local/health")
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import IO, Any


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class RunningStack:
    base_url: str
    state_dir: Path
    info: dict[str, Any]  # the content of stack.json
    process: subprocess.Popen[str]
    output: list[str] = field(default_factory=list)  # stdout lines so far (live)

    @property
    def aws_endpoint_url(self) -> str:
        return str(self.info["awsEndpointUrl"])

    @property
    def demo_key(self) -> str | None:
        """The sandbox key the banner printed (the banner's last line)."""
        return next((line for line in self.output if line.startswith("sk_test_")), None)

    def log(self) -> str:
        return "\n".join(self.output)

    def worker_pids(self, function: str) -> list[int]:
        """The pids of the function's worker processes so far, oldest first (the last one is the live
        one): a test may kill it, as a crashed Lambda execution environment."""
        started = re.compile(rf"\[local\] {re.escape(function)}: worker started \(pid (\d+)\)$")
        return [int(match[1]) for line in list(self.output) if (match := started.match(line))]

    def wait_for_output(self, text: str, timeout: float = 10.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(text in line for line in list(self.output)):
                return True
            time.sleep(0.05)
        return False


def _pump(stream: IO[str], sink: list[str], echo: bool) -> None:
    for line in stream:
        sink.append(line.rstrip("\n"))
        if echo:
            sys.stdout.write(line)


@contextlib.contextmanager
def running_stack(
    *,
    port: int | None = None,
    state_dir: str | Path,
    template: str | Path | None = None,
    demo_key: bool = True,
    extra_args: list[str] | None = None,
    env: dict[str, str] | None = None,
    timeout: float = 60.0,
    echo: bool = False,
    cwd: str | Path | None = None,
) -> Iterator[RunningStack]:
    """Run the local stack until the block exits, then stop it gracefully (state is saved)."""
    state_dir = Path(state_dir).resolve()
    state_dir.mkdir(parents=True, exist_ok=True)
    stack_file = state_dir / "stack.json"
    stack_file.unlink(missing_ok=True)
    port = free_port() if port is None else port
    cmd = [sys.executable, "-u", "-m", "clientele_local", "--port", str(port), "--state-dir", str(state_dir)]
    if template is not None:
        cmd += ["--template", str(Path(template).resolve())]
    if not demo_key:
        cmd.append("--no-demo-key")
    cmd += extra_args or []
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
        cmd,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=cwd,
        # The stack stops by itself if this process dies without stopping it (CLIENTELE_EXIT_WITH_PID).
        env={**os.environ, "PYTHONUNBUFFERED": "1", "CLIENTELE_EXIT_WITH_PID": str(os.getpid()), **(env or {})},
        start_new_session=True,  # a Ctrl-C on pytest must not skip the graceful stop below
    )
    output: list[str] = []
    assert process.stdout is not None
    pump = threading.Thread(target=_pump, args=(process.stdout, output, echo), daemon=True)
    pump.start()
    try:
        info = _wait_ready(process, stack_file, output, timeout)
        yield RunningStack(str(info["baseUrl"]), state_dir, info, process, output)
    finally:
        stop(process, timeout=timeout)
        pump.join(5)


def _wait_ready(process: subprocess.Popen[str], stack_file: Path, output: list[str], timeout: float) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            time.sleep(0.2)  # let the pump collect the last lines
            raise RuntimeError(f"local stack exited with {process.returncode}:\n" + "\n".join(output))
        if stack_file.exists():
            info = json.loads(stack_file.read_text(encoding="utf-8"))
            if info.get("pid") == process.pid:
                url = f"{info['baseUrl']}/_local/health"
                with contextlib.suppress(OSError), urllib.request.urlopen(url, timeout=2) as resp:  # noqa: S310
                    if resp.status == 200:
                        return dict(info)
        time.sleep(0.1)
    raise TimeoutError(f"local stack not ready after {timeout}s:\n" + "\n".join(output))


def stop(process: subprocess.Popen[str], timeout: float = 60.0) -> int:
    """SIGINT (graceful: saves state, stops workers), then SIGKILL the group if it hangs."""
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)
    return int(process.returncode)


class WebhookReceiver:
    """A webhook receiver on 127.0.0.1 (the local stack may deliver there) that keeps every request,
    as (lower-cased headers, body), and answers `status`. A context manager: leaving it stops it."""

    def __init__(self, status: int = 204) -> None:
        self.received: list[tuple[dict[str, str], bytes]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                receiver.received.append(({k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/clientele"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def __enter__(self) -> WebhookReceiver:
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

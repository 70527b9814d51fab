"""`python -m clientele_local`: run template.yaml on this machine (what `make run` calls)."""

from __future__ import annotations

import argparse
import io
import json
import logging
import os
import signal
import sys
import threading
from pathlib import Path
from types import FrameType

from clientele_local.demo_key import ensure_demo_key
from clientele_local.moto_patches import ClienteleLocalError
from clientele_local.stack import LocalStack


def _find_template() -> Path:
    for folder in (Path.cwd(), *Path.cwd().parents):
        if (folder / "template.yaml").exists():
            return folder / "template.yaml"
    # local/clientele_local/__main__.py → the project root
    return Path(__file__).resolve().parents[2] / "template.yaml"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m clientele_local", description=__doc__)
    parser.add_argument("--template", type=Path, default=None, help="SAM template (default: ./template.yaml)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument(
        "--port",
        type=int,
        default=int(os.environ.get("PORT", "3000")),
        help="gateway port (default: $PORT or 3000; 0 picks a free port)",
    )
    parser.add_argument(
        "--state-dir",
        type=Path,
        default=None,
        help="state folder (default: $CLIENTELE_STATE_DIR or <project>/.clientele)",
    )
    parser.add_argument(
        "--parameter",
        "-P",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="template parameter override, e.g. -P Stage=prod",
    )
    parser.add_argument("--no-demo-key", action="store_true", help="do not mint/print the sandbox demo key")
    parser.add_argument("--no-persist", action="store_true", help="neither reload nor save data")
    parser.add_argument(
        "--no-journal",
        action="store_true",
        help="bench only (what the journal costs): save writes at a graceful stop alone, so a crash loses them",
    )
    parser.add_argument(
        "--no-auth-cache", action="store_true", help="call the authorizer on every request (ignore ReauthorizeEvery)"
    )
    return parser.parse_args(argv)


def _already_running(state_dir: Path) -> int | None:
    try:
        pid = int(json.loads((state_dir / "stack.json").read_text())["pid"])
        os.kill(pid, 0)
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return pid


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if isinstance(sys.stdout, io.TextIOWrapper):
        sys.stdout.reconfigure(line_buffering=True)  # log lines show up at once under `make run | tee`
    logging.basicConfig(level=logging.INFO, format="[local] %(message)s", stream=sys.stdout)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    logging.getLogger("botocore").setLevel(logging.WARNING)
    template = (args.template or _find_template()).resolve()
    state_dir = args.state_dir or Path(os.environ.get("CLIENTELE_STATE_DIR") or template.parent / ".clientele")
    state_dir = state_dir.resolve()
    if (pid := _already_running(state_dir)) is not None and pid != os.getpid():
        print(f"a local stack (pid {pid}) already uses {state_dir}", file=sys.stderr)
        return 1

    stopping = threading.Event()

    def request_stop(signum: int, _frame: FrameType | None) -> None:
        stopping.set()

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)

    parameters = dict(p.split("=", 1) for p in args.parameter)
    stack = LocalStack(
        template,
        state_dir,
        port=args.port,
        host=args.host,
        parameters=parameters,
        auth_cache=not args.no_auth_cache,
        persist=not args.no_persist,
        journaling=not args.no_journal,
    )
    try:
        try:
            stack.start()
        except ClienteleLocalError as exc:  # e.g. another moto than the patches were written for
            print(f"[local] {exc}", file=sys.stderr, flush=True)
            return 1
        key = None if args.no_demo_key else ensure_demo_key(stack)
        _banner(stack, key)
        stack.write_stack_file()
        watched = int(os.environ.get(EXIT_WITH_ENV) or 0)
        while not stopping.wait(0.5):
            if watched and not _alive(watched):
                print(f"[local] the process that started the stack ({watched}) is gone", flush=True)
                break
        print("[local] stopping…", flush=True)
    finally:
        stack.stop()
    print("[local] stopped", flush=True)
    return 0


# A test session starts the stack in a session of its own (so Ctrl-C reaches it only through the
# session's graceful stop) and names itself here: if the session is killed outright (a timeout, an
# OOM kill), the stack stops by itself instead of living on with its workers.
EXIT_WITH_ENV = "CLIENTELE_EXIT_WITH_PID"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _banner(stack: LocalStack, key: str | None) -> None:
    info = stack.describe()
    lines = [
        f"Clientele local stack ready on {stack.base_url}",
        f"  AWS endpoint: {info['awsEndpointUrl']} (moto, {info['region']}, credentials testing/testing)",
        *(f"  {name}: {value}" for name, value in info["resources"].items()),
        f"  State: {info['stateDir']} (stack.json for tools)",
        "  Routes (the console calls each /api/v1 route under /app too, with its session):",
        *(f"    {route}" for route in info["routes"] if " /app/api/" not in route),
        f"  Console: {stack.base_url}/app/customers (sign in with an API key)",
    ]
    if key:
        lines += ['Sandbox demo key (org "demo"), send it as "Authorization: Bearer <key>":', key]
    print("\n".join(lines), flush=True)


if __name__ == "__main__":
    code = main()
    # stop() has saved the state and closed every file: the interpreter's own teardown, freeing a
    # store of tens of thousands of items object by object, would only add seconds to every stop.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)

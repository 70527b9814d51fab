"""What the local store's journal costs (clientele_local/journal.py): creates with and without it.

Two figures, each with the journal on and off in the same run, calls interleaved so both sides see
the same machine and the same table size:
- PutItem through the local moto server (boto3 over HTTP, as a function's calls go), the journal
  switched on and off between calls: the bare cost of one append + fsync per write request;
- POST /api/v1/consumers through two local stacks (`python -m clientele_local`), one started with
  `--no-journal` (a flag for this comparison only): what a client of `make run` sees.

`python -m bench.journal` prints the section and adds it to bench/results.json under "journal";
`make bench` runs it last, in a process of its own (away from the main bench's loaded tables).
"""

from __future__ import annotations

import logging
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench import results

ROOT = Path(__file__).resolve().parents[1]
PUTS = int(os.environ.get("BENCH_JOURNAL_PUTS", "500"))
CREATES = int(os.environ.get("BENCH_JOURNAL_CREATES", "100"))


def interleaved(calls: int, with_journal: Callable[[int], Any], without: Callable[[int], Any]) -> tuple[float, float]:
    """Calls per second of each side (by its median call: this machine is shared, and a mean follows
    whatever else ran), one call of each in turn, the side going first alternating (a create leaves
    stream work behind it, which the next call shares the machine with)."""
    spent: tuple[list[float], list[float]] = ([], [])
    for index in range(calls):
        order = ((0, with_journal), (1, without)) if index % 2 == 0 else ((1, without), (0, with_journal))
        for side, call in order:
            start = time.perf_counter()
            call(index)
            spent[side].append(time.perf_counter() - start)
    return 1 / statistics.median(spent[0]), 1 / statistics.median(spent[1])


def put_items(folder: Path) -> tuple[float, float]:
    """PutItem through an in-process moto server, with the template's table."""
    from clientele_local import journal
    from clientele_local.resources import Moto, table_request
    from clientele_local.template import Template

    template = Template.load(ROOT / "template.yaml")
    server = Moto()
    server.start()
    try:
        ddb = server.client("dynamodb")
        ddb.create_table(**table_request(template.resolve(template.properties("Table")), "bench-journal"))
        log = journal.Journal(folder / "journal")
        log.open()

        def put(index: int) -> None:
            item = {"pk": {"S": f"BENCH#{uuid.uuid4().hex}"}, "sk": {"S": "PROFILE"}, "n": {"N": str(index)}}
            ddb.put_item(TableName="bench-journal", Item=item, ConditionExpression="attribute_not_exists(pk)")

        def journaled(index: int) -> None:
            journal.activate(log)
            try:
                put(index)
            finally:
                journal.activate(None)

        put(-1)  # connections and first-call costs, outside the figures
        journaled(-1)
        return interleaved(PUTS, journaled, put)
    finally:
        journal.activate(None)
        server.stop()


def creates(folder: Path) -> tuple[float, float]:
    """POST /api/v1/consumers against two local stacks, each with its demo key."""
    import requests

    from clientele_local.testing import running_stack

    with (
        running_stack(state_dir=folder / "on", cwd=ROOT) as on,
        running_stack(state_dir=folder / "off", cwd=ROOT, extra_args=["--no-journal"]) as off,
    ):
        sessions = {}
        for stack in (on, off):
            session = requests.Session()
            session.headers["Authorization"] = f"Bearer {stack.demo_key}"
            sessions[stack.base_url] = session

        def create(base_url: str) -> Callable[[int], None]:
            def call(index: int) -> None:
                body = {"email": f"bench{index}.{uuid.uuid4().hex[:8]}@example.com", "fullName": f"Bench {index}"}
                answer = sessions[base_url].post(f"{base_url}/api/v1/consumers", json=body, timeout=60)
                assert answer.status_code == 201, answer.text

            return call

        for stack in (on, off):  # each function's worker started (the stream's too), outside the figures
            for index in range(-5, 0):
                create(stack.base_url)(index)
        time.sleep(5)  # the stream functions' first runs (cold starts) done before timing
        return interleaved(CREATES, create(on.base_url), create(off.base_url))


def rows() -> list[dict[str, Any]]:
    with tempfile.TemporaryDirectory(prefix="bench-journal-") as folder:
        measured = {
            f"PutItem through the local moto server ({PUTS})": put_items(Path(folder)),
            f"POST /api/v1/consumers through a local stack ({CREATES})": creates(Path(folder)),
        }
    return [
        {
            "operation": name,
            "withJournalPerSecond": round(on, 1),
            "withoutJournalPerSecond": round(off, 1),
            "shareKept": round(on / off, 2),
        }
        for name, (on, off) in measured.items()
    ]


def main() -> None:
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # the moto server's line per request
    measured = rows()
    header = f"{'local store journal: creates/s':<56} {'journal':>8} {'none':>8} {'kept':>5}"
    print(f"\n{header}\n{'-' * len(header)}")
    for row in measured:
        print(
            f"{row['operation']:<56} {row['withJournalPerSecond']:>8.1f} {row['withoutJournalPerSecond']:>8.1f} "
            f"{row['shareKept']:>5.2f}"
        )
    print("(per second by the median call; journal: each write request appended and fsync'd before its answer;")
    print(" none: `--no-journal`, which loses every write since the start on a crash; kept: journal / none)")
    results.record("journal", measured)


def run() -> None:
    """The section, in a process of its own (bench/run.py's last step)."""
    subprocess.run([sys.executable, "-m", "bench.journal"], cwd=ROOT, check=True)


if __name__ == "__main__":
    main()

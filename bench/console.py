"""The console's first page on the local stack: /app/customers of a 100,000-consumer tenant, in Chromium.

The issue's figure: "The first page of a 100,000-consumer tenant shows in under 1 s on the local
stack". Here:
- a local stack (`python -m clientele_local`, started as the browser tests start it) holds one tenant
  of BENCH_CONSOLE_CONSUMERS consumers (100,000): exactly the items bench/population.py makes for
  them, and the overview's counters as the stream's count_consumers would have left them. Writes
  reach the table's stream, and each consumer's INSERT there costs the stack and its workers about
  15 ms of CPU (search entries written again, the counters' transaction, a Klaviyo settings read, 8
  pollers; 10,000 consumers took 4 minutes): 100,000 would take over half an hour. So the consumer
  items and the counters are the stack's saved state (`<state>/data/Table.jsonl`, restored at start
  before its stream pollers read on: no stream function sees them, as for a tenant long since
  counted and indexed), and the rest (email and externalId claims, phone entries, search entries:
  no stream function takes those, their FilterCriteria pass Consumer items only) goes in with
  BatchWriteItem from several threads. Before any timing the overview's total must read the full
  count and the stack's processes be idle;
- Debian's Chromium (Playwright) signs in through the form, then opens /app/customers in fresh
  page loads, each timed from `page.goto` to the table's first customer row and every overview
  figure on screen, in two ways: in a new browser context (empty cache: the bundle is fetched again;
  the session cookie is carried over) and in a new page of the signed-in context (bundle cached);
- the floor: GET /api/v1/consumers?first=20 (the page's own request, at its default page size) with
  an API key over HTTP, as many times;
- the bundle: the built console's JS and CSS gzipped, against the 150 KB budget (docs/console.md).

`python -m bench.console` prints the section and adds it to bench/results.json under "console";
`make bench` runs it last, in a process of its own (bench/run.py). Needs `make console chromium`.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import os
import queue
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from bench import results

ROOT = Path(__file__).resolve().parents[1]
CONSUMERS = int(os.environ.get("BENCH_CONSOLE_CONSUMERS", "100000"))
ROUNDS = int(os.environ.get("BENCH_CONSOLE_ROUNDS", "5"))
THREADS = int(os.environ.get("BENCH_CONSOLE_THREADS", "4"))
BUDGET_MS = 1000  # the issue's: the first page in under 1 s
BUNDLE_BUDGET_KB = 150  # docs/console.md: JS and CSS, gzipped
PAGE_SIZE = 20  # the list's default page size (console/src/pages/customers/view.ts)

STATIC = ROOT / "functions" / "serve_console" / "static"
CHROMIUM = "/usr/bin/chromium"
# As the browser tests launch it (tests/browser/conftest.py): this machine's closed network.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-component-update", "--disable-sync"]
VIEWPORT: Any = {"width": 1280, "height": 800}  # playwright's ViewportSize
# As tests/conftest.py's: the template's request limits out of reach of a bench.
UNREACHED_LIMITS = [
    f"-P{name}=1000000"
    for name in ("ApiThrottleRate", "ApiThrottleBurst", "OrganizationThrottleRate", "OrganizationThrottleBurst")
]
STACK_LOG = os.environ.get("BENCH_CONSOLE_STACK_LOG")  # a file for the stack's output (its requests, timed)
# What bench/run.py sets for its in-process handlers: not for the stack (or its functions' workers).
RUN_PY_ENV = ("TABLE_NAME", "CURSOR_SECRET_ARN", "POWERTOOLS_METRICS_DISABLED", "POWERTOOLS_LOG_LEVEL")
SETTLE_TIMEOUT = float(os.environ.get("BENCH_CONSOLE_TIMEOUT", "3600"))  # seconds: the restore, the settling

# In the page, checked on every animation frame: the Customers table has a customer's row (one with
# its "Select …" checkbox; the "Loading customers…" row has none) and every overview figure is a number.
READY = """() => {
  const table = [...document.querySelectorAll('table')].find(
    (t) => t.caption && t.caption.textContent.trim().startsWith('Customers'));
  const body = table && table.tBodies[0];
  const row = body && [...body.rows].find((r) => r.querySelector('input[type=checkbox]'));
  const figures = [...document.querySelectorAll('dl dd')];
  const ready = !!row && row.getClientRects().length > 0 && figures.length > 0
    && figures.every((dd) => /\\d/.test(dd.textContent) && dd.getClientRects().length > 0);
  if (ready && window.__benchReady === undefined) window.__benchReady = performance.now();
  return ready;
}"""

# Where the time went, from the page's own timings (ms from navigation start; null when not seen).
IN_PAGE = """() => {
  const entries = performance.getEntriesByType('resource');
  const find = (part) => entries.find((e) => e.name.includes(part));
  const nav = performance.getEntriesByType('navigation')[0];
  const script = entries.find((e) => e.initiatorType === 'script' || /\\/assets\\/.*\\.js$/.test(e.name));
  const session = find('/app/session');
  const list = find('/api/v1/consumers?');
  const stats = find('/api/v1/consumers/stats');
  return {
    html: nav ? nav.responseEnd : null,
    script: script ? script.responseEnd : null,
    sessionAsked: session ? session.startTime : null,
    sessionAnswered: session ? session.responseEnd : null,
    listAsked: list ? list.startTime : null,
    listAnswered: list ? list.responseEnd : null,
    statsAnswered: stats ? stats.responseEnd : null,
    ready: window.__benchReady ?? null,
  };
}"""
IN_PAGE_MARKS = {
    "html": "HTML",
    "script": "JS",
    "sessionAsked": "GET /app/session asked",
    "sessionAnswered": "answered",
    "listAsked": "list asked",
    "listAnswered": "answered",
    "statsAnswered": "stats answered",
    "ready": "on screen",
}


def _env_without_aws() -> dict[str, str]:
    return {key: value for key, value in os.environ.items() if not key.startswith("AWS_")}


def mint_key(state_dir: Path, organization: str) -> str:
    """A sandbox key with the CLI, as tests/conftest.py's run_cli does."""
    cli = Path(sys.executable).parent / "clientele"
    env = {**_env_without_aws(), "CLIENTELE_STATE_DIR": str(state_dir)}
    env.pop("PORT", None)
    args = [str(cli), "keys", "create", "--org", organization, "--env", "sandbox"]
    result = subprocess.run(args, capture_output=True, text=True, env=env, cwd=ROOT, timeout=60, check=False)  # noqa: S603
    if result.returncode != 0:
        raise RuntimeError(f"clientele keys create failed: {result.stderr}")
    return result.stdout.strip().splitlines()[-1]


def write_items(organization: str, count: int, snapshot: Path, rest: Path) -> tuple[int, int]:
    """bench/population.py's items of the tenant: its consumers and the overview's counters into the
    stack's saved state, every other item into `rest` (DynamoDB JSON, one a line). (saved, rest)."""
    from collections import Counter

    from bench import population
    from clientele.consumers import stats
    from clientele.consumers.stats_store import ConsumerCounts, CreatedOn
    from clientele.core.store import dynamo
    from clientele.core.tenancy import Environment, Tenant

    tenant = Tenant(organization=organization, environment=Environment.SANDBOX)
    counters: Counter[str] = Counter()
    days: Counter[str] = Counter()
    saved = others = 0
    snapshot.parent.mkdir(parents=True, exist_ok=True)
    with snapshot.open("w", encoding="utf-8") as state, rest.open("w", encoding="utf-8") as later:
        for consumer in population.consumers(count, seed=7):
            # What count_consumers adds for the consumer's INSERT (consumers/stats.py change_of).
            change = stats.change_of(tenant, "-", None, consumer)
            assert change is not None
            counters.update(change.counters)
            days.update(change.days)
            for item in population.items(tenant, consumer):
                line = json.dumps(item, separators=(",", ":")) + "\n"
                if item["entity"]["S"] == "Consumer":
                    state.write(line)
                    saved += 1
                else:
                    later.write(line)
                    others += 1
        # The items consumers/stats_store.py's `add` leaves (its markers of records counted aside).
        figures = [ConsumerCounts.item(ConsumerCounts.key(tenant), dict(counters))]
        figures += [CreatedOn.item(CreatedOn.key(tenant, day), {"created": n}) for day, n in sorted(days.items())]
        for item in figures:
            state.write(json.dumps(dynamo.serialize(item), separators=(",", ":")) + "\n")
            saved += 1
    return saved, others


def _lines(path: Path) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8") as source:
        for line in source:
            yield json.loads(line)


# BatchWriteItem as DynamoDB's JSON protocol takes it. moto reads the region from the credential
# scope and checks no signature; boto3 spent ~14 ms of this process's CPU building each request of 25
# items, more than moto takes to store them, so the body is written out here instead.
BATCH_HEADERS = {
    "Content-Type": "application/x-amz-json-1.0",
    "X-Amz-Target": "DynamoDB_20120810.BatchWriteItem",
    "Authorization": "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/dynamodb/aws4_request, "
    "SignedHeaders=content-type;host;x-amz-target, Signature=0",
}


def load(endpoint: str, table: str, items: Iterator[dict[str, Any]]) -> int:
    """Items into the stack's moto: BatchWriteItems of 25 from THREADS threads."""
    import httpx

    batches: queue.Queue[list[dict[str, Any]] | None] = queue.Queue(maxsize=THREADS * 8)
    failures: list[BaseException] = []

    def write(http: httpx.Client, batch: list[dict[str, Any]]) -> None:
        requests: list[dict[str, Any]] = [{"PutRequest": {"Item": item}} for item in batch]
        for attempt in range(20):
            body = json.dumps({"RequestItems": {table: requests}}, separators=(",", ":"))
            answer = http.post("/", content=body, headers=BATCH_HEADERS)
            if answer.status_code != 200:
                if attempt < 19 and answer.status_code in (429, 500, 503):
                    time.sleep(0.05 * (attempt + 1))
                    continue
                raise RuntimeError(f"BatchWriteItem: {answer.status_code} {answer.text[:300]}")
            requests = answer.json().get("UnprocessedItems", {}).get(table, [])
            if not requests:
                return
        raise RuntimeError(f"{len(requests)} items left unprocessed")

    def writer() -> None:
        with httpx.Client(base_url=endpoint, timeout=120) as http:
            while (batch := batches.get()) is not None:
                if failures:
                    continue  # drain: the main thread stops feeding at its next batch
                try:
                    write(http, batch)
                except BaseException as exc:  # raised by the main thread
                    failures.append(exc)

    threads = [threading.Thread(target=writer, daemon=True) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    written, batch = 0, []
    try:
        for item in items:
            batch.append(item)
            if len(batch) == 25:
                batches.put(batch)
                written, batch = written + 25, []
                if failures:
                    break
        if batch and not failures:
            batches.put(batch)
            written += len(batch)
    finally:
        for _ in threads:
            batches.put(None)
        for thread in threads:
            thread.join()
    if failures:
        raise failures[0]
    return written


def _session_cpu_seconds(session_id: int) -> float:
    """CPU time so far of every process in the stack's session (the stack and its function workers)."""
    ticks = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        fields = text[text.rfind(")") + 2 :].split()
        if int(fields[3]) == session_id:
            ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def settle(stack: Any, api: Any, count: int) -> tuple[float, int]:
    """Waits until the overview counts every consumer and the stack's processes are idle: three
    seconds in a row under 0.05 s of CPU (the stream pollers through the load's records). (seconds, total)."""
    started = time.perf_counter()
    deadline = time.monotonic() + SETTLE_TIMEOUT
    total = -1
    while time.monotonic() < deadline:
        total = int(api.get("/consumers/stats").json()["total"])
        if total >= count:
            break
        time.sleep(2)
    else:
        raise TimeoutError(f"the overview counts {total:,} of {count:,} consumers after {SETTLE_TIMEOUT:.0f} s")
    quiet = 0
    while quiet < 3 and time.monotonic() < deadline:
        before = _session_cpu_seconds(stack.process.pid)
        time.sleep(1)
        quiet = quiet + 1 if _session_cpu_seconds(stack.process.pid) - before < 0.05 else 0
    if quiet < 3:
        raise TimeoutError(f"the local stack still busy after {SETTLE_TIMEOUT:.0f} s")
    return time.perf_counter() - started, total


def bundle_bytes() -> tuple[int, int]:
    """(raw, gzipped) bytes of the built console's JS and CSS."""
    files = [path for path in (STATIC / "assets").iterdir() if path.suffix in (".js", ".css")]
    raw = sum(path.stat().st_size for path in files)
    zipped = sum(len(gzip.compress(path.read_bytes(), compresslevel=9)) for path in files)
    return raw, zipped


def measure_pages(base_url: str, key: str, count: int) -> dict[str, Any]:
    """Sign in, one untimed load of each kind (every function the page calls has a warm worker),
    then ROUNDS timed loads of /app/customers in new contexts (empty cache) and as many in new
    pages of the signed-in context (bundle cached)."""
    from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

    def open_customers(page: Page) -> dict[str, Any]:
        start = time.perf_counter()
        page.goto("/app/customers")
        page.wait_for_function(READY, polling="raf", timeout=60_000)
        wall = (time.perf_counter() - start) * 1000
        table = page.get_by_role("table", name="Customers", exact=True)
        assert table.get_by_role("row").count() > 1
        total = page.get_by_role("definition").first.text_content() or ""
        assert re.sub(r"\D", "", total) == str(count), f"Total customers shows {total!r}, not {count:,}"
        return {"wallMs": wall, **page.evaluate(IN_PAGE)}

    def new_context(browser: Browser, **options: Any) -> BrowserContext:
        context = browser.new_context(base_url=base_url, viewport=VIEWPORT, **options)
        context.set_default_timeout(60_000)
        return context

    def fresh(browser: Browser, signed_in: Any) -> dict[str, Any]:
        context = new_context(browser, storage_state=signed_in)
        try:
            return open_customers(context.new_page())
        finally:
            context.close()

    def cached(context: BrowserContext) -> dict[str, Any]:
        page = context.new_page()
        try:
            return open_customers(page)
        finally:
            page.close()

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            context = new_context(browser)
            page = context.new_page()
            page.goto("/app/customers")
            page.get_by_label("API key").fill(key)
            start = time.perf_counter()
            page.get_by_role("button", name="Sign in").click()
            expect(page.get_by_role("button", name="Sign out")).to_be_visible()
            # Untimed: each function's first worker starts, and the local store sorts every item of the table
            # into an index's partitions at the index's first Query (clientele_local/partitions.py).
            page.wait_for_function(READY, polling="raf", timeout=600_000)
            first = (time.perf_counter() - start) * 1000
            page.close()
            signed_in = context.storage_state()
            fresh(browser, signed_in)  # untimed: GET /app/session's worker starts here
            cached(context)
            timed = {
                "afterSignInMs": first,
                "fresh": [fresh(browser, signed_in) for _ in range(ROUNDS)],
                "cached": [cached(context) for _ in range(ROUNDS)],
            }
            context.close()
        finally:
            browser.close()
    return timed


def measure_api(base_url: str, key: str) -> list[float]:
    """GET /api/v1/consumers?first=20 with the key: ms per call, after one untimed call."""
    import httpx

    with httpx.Client(base_url=f"{base_url}/api/v1", headers={"Authorization": f"Bearer {key}"}, timeout=60) as http:
        spent = []
        for index in range(ROUNDS + 1):
            start = time.perf_counter()
            answer = http.get("/consumers", params={"first": PAGE_SIZE})
            elapsed = (time.perf_counter() - start) * 1000
            assert answer.status_code == 200, answer.text[:300]
            assert len(answer.json()["data"]) == PAGE_SIZE, answer.text[:300]
            if index:
                spent.append(elapsed)
    return spent


def _summary(rounds: list[dict[str, Any]]) -> dict[str, Any]:
    """Median and max of the wall times, and the medians of the page's own marks (ms from navigation start)."""
    walls = [r["wallMs"] for r in rounds]
    marks = {name: [r[name] for r in rounds if r.get(name) is not None] for name in IN_PAGE_MARKS}
    return {
        "medianMs": round(statistics.median(walls), 1),
        "maxMs": round(max(walls), 1),
        "roundsMs": [round(w, 1) for w in walls],
        "inPageMedianMs": {name: round(statistics.median(v), 1) if v else None for name, v in marks.items()},
    }


def run_bench() -> dict[str, Any]:
    from clientele_local.inprocess import OFFLINE_ENV
    from clientele_local.template import TABLE, Template
    from clientele_local.testing import running_stack

    os.environ.update(OFFLINE_ENV)
    os.environ.pop("AWS_ENDPOINT_URL", None)
    for name in RUN_PY_ENV:
        os.environ.pop(name, None)
    if not (STATIC / "index.html").is_file():
        raise SystemExit("bench.console: the console is not built: run `make console`")
    if not Path(CHROMIUM).is_file():
        raise SystemExit(f"bench.console: no {CHROMIUM}: run `make chromium`")

    import httpx

    (table_id,) = Template.load(ROOT / "template.yaml").resources(TABLE)
    organization = f"bench{uuid.uuid4().hex[:8]}"
    # --no-journal: the load's writes are not appended and fsync'd one request at a time (this state
    # is thrown away: the stack is killed at the end rather than stopped, which would save it first).
    args = ["--no-auth-cache", "--no-journal", *UNREACHED_LIMITS]
    figures: dict[str, Any] = {"consumers": CONSUMERS, "rounds": ROUNDS}
    with tempfile.TemporaryDirectory(prefix="bench-console-") as folder:
        state_dir, rest = Path(folder) / "state", Path(folder) / "rest.jsonl"
        started = time.perf_counter()
        saved, others = write_items(organization, CONSUMERS, state_dir / "data" / f"{table_id}.jsonl", rest)
        figures["generateSeconds"] = round(time.perf_counter() - started, 1)
        started = time.perf_counter()
        # The 5-minute loyalty refresh would run mid-measurement, and its first Query of the byDue
        # index sorts all 800,000 items into partitions under the local store's lock (seconds to
        # minutes, a local-store cost only): the bench's stack runs schedules 100 times less often.
        with running_stack(
            state_dir=state_dir,
            cwd=ROOT,
            extra_args=args,
            demo_key=False,
            timeout=SETTLE_TIMEOUT,
            env={"CLIENTELE_SCHEDULE_SCALE": "100"},
        ) as stack:
            try:
                figures["restoreSeconds"] = round(time.perf_counter() - started, 1)
                figures["restoredItems"] = saved
                print(
                    f"Generated {saved + others:,} items for {CONSUMERS:,} consumers "
                    f"in {figures['generateSeconds']:.0f} s; "
                    f"the stack restored {saved:,} (consumers, overview counters) at its start in "
                    f"{figures['restoreSeconds']:.0f} s",
                    flush=True,
                )
                key = mint_key(stack.state_dir, organization)
                started, cpu = time.perf_counter(), _session_cpu_seconds(stack.process.pid)
                figures["loadedItems"] = load(stack.aws_endpoint_url, str(stack.info["tableName"]), _lines(rest))
                figures["loadSeconds"] = round(time.perf_counter() - started, 1)
                figures["loadStackCpuSeconds"] = round(_session_cpu_seconds(stack.process.pid) - cpu, 1)
                figures["loadThreads"] = THREADS
                headers = {"Authorization": f"Bearer {key}"}
                with httpx.Client(base_url=f"{stack.base_url}/api/v1", headers=headers, timeout=60) as api:
                    settled, total = settle(stack, api, CONSUMERS)
                figures["settleSeconds"] = round(settled, 1)
                print(
                    f"Loaded the other {figures['loadedItems']:,} (claims, phone and search entries) "
                    f"with BatchWriteItem from {THREADS} threads in {figures['loadSeconds']:.0f} s; "
                    f"the stack idle {settled:.0f} s later "
                    f"(overview total {total:,})",
                    flush=True,
                )
                figures["loadAverageBeforePages"] = round(os.getloadavg()[0], 2)
                pages = measure_pages(stack.base_url, key, CONSUMERS)
                floor = measure_api(stack.base_url, key)
            except BaseException:
                print("\n".join(stack.output[-40:]), file=sys.stderr)
                raise
            finally:
                if STACK_LOG:
                    Path(STACK_LOG).write_text("\n".join(stack.output) + "\n", encoding="utf-8")
                # Ends the stack (its process group: the gateway, moto and every function's worker)
                # rather than stopping it: a stop would first save the whole table to this temporary folder.
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(stack.process.pid, signal.SIGKILL)
    raw, zipped = bundle_bytes()
    fresh, cached = _summary(pages["fresh"]), _summary(pages["cached"])
    floor_median = statistics.median(floor)
    return {
        **figures,
        "firstLoadAfterSignInMs": round(pages["afterSignInMs"], 1),
        "firstPageNewContext": fresh,
        "firstPageCached": cached,
        "apiFirstPage": {
            "request": f"GET /api/v1/consumers?first={PAGE_SIZE}",
            "medianMs": round(floor_median, 1),
            "maxMs": round(max(floor), 1),
            "roundsMs": [round(f, 1) for f in floor],
        },
        "ratioToApi": round(fresh["medianMs"] / floor_median, 2),
        "ratioToApiCached": round(cached["medianMs"] / floor_median, 2),
        "budgetMs": BUDGET_MS,
        "bundle": {"bytes": raw, "gzipBytes": zipped, "gzipKB": round(zipped / 1024, 1), "budgetKB": BUNDLE_BUDGET_KB},
    }


def report(figures: dict[str, Any]) -> None:
    rounds, consumers = figures["rounds"], figures["consumers"]
    title = f"console first page ({consumers:,}-consumer tenant, local stack)"
    header = f"{title:<58} {'median':>8} {'max':>8} {'budget':>8}"
    print(f"\n{header}\n{'-' * len(header)}")
    rows = [
        (f"/app/customers, new context (bundle fetched) x{rounds}", figures["firstPageNewContext"], f"{BUDGET_MS} ms"),
        (f"/app/customers, new page (bundle cached) x{rounds}", figures["firstPageCached"], f"{BUDGET_MS} ms"),
        (f"{figures['apiFirstPage']['request']} with a key x{rounds}", figures["apiFirstPage"], ""),
    ]
    for name, row, budget in rows:
        print(f"{name:<58} {row['medianMs']:>5.0f} ms {row['maxMs']:>5.0f} ms {budget:>8}".rstrip())
    ratios = f"{figures['ratioToApi']:>7.1f}x {figures['ratioToApiCached']:>7.1f}x"
    print(f"{'page / API floor (medians: new context, new page)':<58} {ratios}")
    bundle = figures["bundle"]
    print(f"{'JS + CSS of the console, gzipped':<58} {bundle['gzipKB']:>5.1f} KB {'':>8} {bundle['budgetKB']:>5} KB")
    marks = figures["firstPageNewContext"]["inPageMedianMs"]
    print(
        "(from page.goto to a customer row and every overview figure on screen, headless Chromium. In the page, "
        "new context, median ms from navigation start: "
        + ", ".join(f"{IN_PAGE_MARKS[name]} {value:.0f}" for name, value in marks.items() if value is not None)
        + f". Untimed before them: sign-in to the first list, {figures['firstLoadAfterSignInMs'] / 1000:.1f} s: "
        "each function's first worker, and the local store's first Query of each index sorting every item "
        "into partitions. "
        f"Load average {figures['loadAverageBeforePages']:.1f} before the pages.)"
    )


def main() -> None:
    figures = run_bench()
    report(figures)
    results.record("console", figures)


def run() -> None:
    """The section, in a process of its own (bench/run.py's last step)."""
    env = {key: value for key, value in os.environ.items() if key not in RUN_PY_ENV}
    subprocess.run([sys.executable, "-m", "bench.console"], cwd=ROOT, env=env, check=True)


if __name__ == "__main__":
    main()

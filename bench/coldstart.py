"""Cold start: how long each function's app.py takes to import in a fresh Python (Lambda's init
phase, which is billed), against the bare import of what every API function needs anyway: boto3,
pydantic and Powertools' REST resolver, Logger and Metrics. Both are measured in the same run, in
RUNS fresh interpreters each, every function's import right after a bare one; a function's ratio is
the median of those pairs' ratios, and the budget is IMPORT_BUDGET.

pydantic 2's `import pydantic` is lazy: it loads pydantic-core's schema types and the version, and none
of the model machinery (pydantic.main, fields, types, json_schema, annotated_types), which any module
defining a model loads. So the bare import takes pydantic as a model-defining program has it, `from
pydantic import BaseModel, Field` (about 0.13x of the lazy bare on its own). The ratio to the lazy
`import pydantic` (LAZY_BARE, timed once per round) is printed beside it, so the difference is on
record: a function's own code then shares the 1.3x with pydantic's machinery and Powertools' validation
(about 0.17x together), and the same function moves by about 0.1 between runs on a shared 2-core host.

    python -m bench.coldstart [FUNCTION ...]     (every function by default; part of `make bench`)
"""

from __future__ import annotations

import compileall
import os
import py_compile
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from clientele_local.template import load_yaml

ROOT = Path(__file__).resolve().parents[1]
RUNS = int(os.environ.get("BENCH_COLD_RUNS", "9"))
IMPORT_BUDGET = 1.3

POWERTOOLS = (
    "from aws_lambda_powertools.event_handler import APIGatewayRestResolver\n"
    "from aws_lambda_powertools import Logger, Metrics\n"
)
BARE = "import boto3\nfrom pydantic import BaseModel, Field\n" + POWERTOOLS
LAZY_BARE = "import boto3, pydantic\n" + POWERTOOLS
# The layer's package comes first on sys.path, as it does on Lambda (/opt/python), not through the
# editable install's finder: compiled as shared/Makefile builds it (built_layer). The function's own
# folder is the task root; its app.py is compiled at each import, as Lambda's read-only /var/task has it.
# CPU time of the import, not wall time: init is CPU-bound, and CPU time hardly moves when other work
# shares the machine (wall time on a busy 2-core host swings by half).
TIMED = (
    "import sys, time\n"
    "sys.dont_write_bytecode = True\n"
    "sys.path[:0] = sys.argv[1:]\n"
    "started = time.process_time()\n"
    "{code}"
    "print(time.process_time() - started)\n"
)


def functions() -> list[str]:
    return sorted(path.name for path in (ROOT / "functions").iterdir() if (path / "app.py").is_file())


def lambda_environment() -> dict[str, str]:
    """The variables template.yaml's Globals give every function (the literal ones; references such as
    the table's name get a stand-in), as Lambda would set them before init, with the function's name."""
    variables = load_yaml(ROOT / "template.yaml")["Globals"]["Function"]["Environment"]["Variables"]
    environment = {name: value if isinstance(value, str) else "cold-start" for name, value in variables.items()}
    environment["AWS_LAMBDA_FUNCTION_NAME"] = "cold-start"  # Lambda's own (core/coldstart.py reads it)
    return environment


def _once(code: str, *path: Path) -> float:
    env = {**os.environ, **lambda_environment()}
    env.pop("PYTHONPATH", None)
    output = subprocess.run(  # noqa: S603 - our own interpreter on our own code
        [sys.executable, "-c", TIMED.format(code=code), *map(str, path)],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    )
    return float(output.stdout.strip())


@contextmanager
def built_layer() -> Iterator[Path]:
    """The layer's clientele package as shared/Makefile builds it for Lambda: copied, and compiled to
    bytecode that is used unchecked. (Its dependencies come from this environment, where pip compiled
    them, as the bare import's do.)"""
    with tempfile.TemporaryDirectory() as folder:
        layer = Path(folder) / "python"
        source, skip = ROOT / "shared" / "clientele", shutil.ignore_patterns("__pycache__")
        shutil.copytree(source, layer / "clientele", ignore=skip)
        compileall.compile_dir(layer, quiet=1, invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)
        yield layer


@contextmanager
def one_core() -> Iterator[None]:
    """Every interpreter on the same core (the children inherit it), so none migrates between cores
    mid-import or lands on the busier one. On this 2-core host one import in five came out 20-50%
    slower; a median of 5 then moves by a tenth, which alone can put a function over budget."""
    cores = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {max(cores)})
    try:
        yield
    finally:
        os.sched_setaffinity(0, cores)


def measure(names: list[str], runs: int = RUNS) -> dict[str, dict[str, float]]:
    """{function: {ms, bareMs, ratio}} over `runs` rounds. Each round times every function's import
    right after a bare import; a function's ratio is the median of its rounds' import ÷ the bare
    import timed just before it. The machine's slow spells (on this shared 2-core host the same
    import takes 290 ms in one minute and 440 ms in another) then weigh on both sides of a ratio
    alike, where a ratio to the run's overall bare median moved a function by ±0.15 between runs."""
    pairs: dict[str, list[tuple[float, float]]] = {name: [] for name in names}
    lazy: list[float] = []
    with built_layer() as layer, one_core():
        for _ in range(runs):
            lazy.append(_once(LAZY_BARE))
            for name in names:
                bare = _once(BARE)
                pairs[name].append((bare, _once("import app\n", ROOT / "functions" / name, layer)))
    return {
        name: {
            "ms": statistics.median(function for _, function in timed) * 1000,
            "bareMs": statistics.median(bare for bare, _ in timed) * 1000,
            "ratio": statistics.median(function / bare for bare, function in timed),
            "ratioToLazy": statistics.median(function for _, function in timed) / statistics.median(lazy),
        }
        for name, timed in pairs.items()
    }


def rows(names: list[str] | None = None, runs: int = RUNS) -> list[dict[str, float | str]]:
    return [
        {
            "function": name,
            "ms": round(row["ms"], 1),
            "bareMs": round(row["bareMs"], 1),
            "ratio": row["ratio"],
            "ratioToLazy": row["ratioToLazy"],
        }
        for name, row in measure(names or functions(), runs).items()
    ]


def report(figures: list[dict[str, float | str]]) -> None:
    print(f"\nCold start: import of app.py in {RUNS} fresh interpreters, each after a bare import (boto3, pydantic's")
    print("BaseModel and Field, Powertools' REST resolver, Logger, Metrics); medians; ratio: of the pairs; budget")
    print(
        f"{IMPORT_BUDGET}x. vs lazy: the function's median over that of `import boto3, pydantic` + the same Powertools"
    )
    print(f"{'function':<28} {'ms':>7} {'bare ms':>8} {'ratio':>6} {'vs lazy':>8}")
    for row in figures:
        over = "  over budget" if float(row["ratio"]) > IMPORT_BUDGET else ""
        print(
            f"{row['function']:<28} {row['ms']:>7.1f} {row['bareMs']:>8.1f} {float(row['ratio']):>6.2f}"
            f" {float(row['ratioToLazy']):>8.2f}{over}"
        )
    ratios = [float(row["ratio"]) for row in figures]
    worst = max(figures, key=lambda row: float(row["ratio"]))
    beyond = sum(ratio > IMPORT_BUDGET for ratio in ratios)
    summary = f"median {statistics.median(ratios):.2f}; worst {worst['function']} {float(worst['ratio']):.2f}x"
    print(f"{summary}; {beyond} over budget")


if __name__ == "__main__":
    report(rows(sys.argv[1:]))

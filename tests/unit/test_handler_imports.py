"""What a function's cold start imports: never the X-Ray SDK, and no domain beyond its own and those it
builds on (each domain package declares BUILDS_ON). Checked on `sys.modules` after importing each
app.py in a fresh interpreter, with the layer on sys.path as on Lambda; not a timed test (the times
are `make bench`'s)."""

from __future__ import annotations

import ast
import importlib
import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from typing import Any

import pytest

from tests.conftest import ROOT

# The console's files are read by a function with no layer code at all (see the test at the end).
STATIC_FILES = "serve_console"
FUNCTIONS = sorted(
    path.parent.name for path in (ROOT / "functions").glob("*/app.py") if path.parent.name != STATIC_FILES
)
DOMAINS = sorted(
    path.parent.name for path in (ROOT / "shared" / "clientele").glob("*/__init__.py") if path.parent.name != "core"
)
PARSER = "aws_lambda_powertools.utilities.parser"
WATCHED = ("clientele", "aws_xray_sdk", "ulid", "pydantic.main", PARSER)  # the modules the tests below look for
PROBE = (
    "import dataclasses, gc, json, sys\n"
    "sys.path[:0] = sys.argv[2:]\n"
    "import app\n"
    "modules = sorted(name for name in sys.modules if name.startswith(tuple(sys.argv[1].split(','))))\n"
    "layer = [(name, module) for name, module in list(sys.modules.items()) if name.startswith('clientele')]\n"
    "built = sorted(f'{name}.{cls.__name__}' for name, module in layer for cls in vars(module).values()\n"
    "               if isinstance(cls, type) and cls.__module__ == name and dataclasses.is_dataclass(cls))\n"
    "state = {'collector': gc.isenabled(), 'frozen': gc.get_freeze_count(), 'dataclasses': built}\n"
    "print(json.dumps({'modules': modules, **state}))\n"
)
# Dataclasses a function may import: the API key entity, which only the authorizer (and the CLI) load.
DATACLASSES_ALLOWED = {"clientele.access.store.ApiKeyRecord"}


def builds_on(domain: str) -> set[str]:
    """The domain and every domain it builds on, directly or through another."""
    reached, todo = set(), [domain]
    while todo:
        name = todo.pop()
        if name not in reached:
            reached.add(name)
            todo += importlib.import_module(f"clientele.{name}").BUILDS_ON
    return reached


def own_domain(function: str) -> set[str]:
    """The domains a function's app.py imports directly: a thin handler calls into exactly one."""
    tree = ast.parse((ROOT / "functions" / function / "app.py").read_text())
    modules = [node.module for node in tree.body if isinstance(node, ast.ImportFrom) and node.module]
    return {module.split(".")[1] for module in modules if module.startswith("clientele.") and ".core" not in module}


@cache
def probed() -> dict[str, dict[str, Any]]:
    """What each app.py's import leaves, in a fresh interpreter as Lambda runs it: the modules, and the
    garbage collector's state."""

    def probe(function: str) -> dict[str, Any]:
        env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
        env["AWS_LAMBDA_FUNCTION_NAME"] = function
        paths = [str(ROOT / "functions" / function), str(ROOT / "shared")]
        command = [sys.executable, "-c", PROBE, ",".join(WATCHED), *paths]
        result = subprocess.run(command, capture_output=True, text=True, check=True, env=env, timeout=120)
        return dict(json.loads(result.stdout))

    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        return dict(zip(FUNCTIONS, pool.map(probe, FUNCTIONS), strict=True))


def with_the_layer(code: str, unset: tuple[str, ...]) -> list[str]:
    """The words `code` prints, run in a fresh interpreter with the layer first on sys.path and the
    `unset` variables taken out of its environment."""
    env = {key: value for key, value in os.environ.items() if key not in unset}
    result = subprocess.run(
        [sys.executable, "-c", f"import sys; sys.path[:0] = [{str(ROOT / 'shared')!r}]\n{code}"],
        capture_output=True,
        text=True,
        check=True,
        env=env,
        timeout=60,
    )
    return result.stdout.split()


def imported() -> dict[str, list[str]]:
    return {function: list(state["modules"]) for function, state in probed().items()}


def domains_in(modules: list[str]) -> set[str]:
    return {name.split(".")[1] for name in modules if name.startswith("clientele.") and name.split(".")[1] in DOMAINS}


def test_every_domain_declares_what_it_builds_on() -> None:
    assert DOMAINS, "no domain packages found"
    for domain in DOMAINS:
        assert set(builds_on(domain)) <= set(DOMAINS), domain


@pytest.mark.parametrize("function", FUNCTIONS)
def test_a_function_imports_no_xray_sdk_and_no_other_domain(function: str) -> None:
    modules = imported()[function]
    assert "clientele" in modules, f"{function} did not import the layer at all"
    assert not [name for name in modules if name.startswith("aws_xray_sdk")], f"{function} imports the X-Ray SDK"
    own = own_domain(function)
    assert len(own) == 1, f"{function}'s app.py calls into {sorted(own) or 'no domain'}; a handler calls one"
    (domain,) = own
    strays = domains_in(modules) - builds_on(domain)
    assert not strays, f"{function} ({domain}) imports {sorted(strays)}, which {domain} does not build on"


@pytest.mark.parametrize("function", FUNCTIONS)
def test_a_function_imports_no_ulid_package(function: str) -> None:
    """Ids come from core.clock's own ULID generator; python-ulid read its package metadata at import."""
    assert "ulid" not in imported()[function]


@pytest.mark.parametrize("function", FUNCTIONS)
def test_a_function_imports_no_dataclass_of_the_layer(function: str) -> None:
    """The layer's value objects are NamedTuples and its mutable helpers plain classes: a dataclass
    compiles its methods at import, and ten of them were a quarter of a function's own cold start."""
    assert set(probed()[function]["dataclasses"]) <= DATACLASSES_ALLOWED


@pytest.mark.parametrize("function", ["authorizer", "session_authorizer"])
def test_the_authorizers_import_no_pydantic_models(function: str) -> None:
    """Every uncached API request waits for an authorizer's cold start: they store no models, so
    pydantic's model machinery (pydantic.main and what it imports) stays out of them."""
    assert "pydantic.main" not in imported()[function]


STREAM_FUNCTIONS = [
    name for name in FUNCTIONS if "core import streams" in (ROOT / "functions" / name / "app.py").read_text()
]


@pytest.mark.parametrize("function", STREAM_FUNCTIONS)
def test_a_stream_function_loads_no_parser_models(function: str) -> None:
    """Powertools' batch utility would import every event source's parser models once pydantic is
    loaded; core.streams imports it without them."""
    assert "clientele.core.streams" in imported()[function]
    assert not [name for name in imported()[function] if name.startswith(PARSER)]


def test_the_batch_utility_leaves_pydantic_as_it_found_it() -> None:
    """core.streams hides pydantic while it imports the batch utility: afterwards the same pydantic
    module is back, and the utility processes records without the parser."""
    code = (
        "import sys, pydantic, pydantic.main\n"
        "before = sys.modules['pydantic']\n"
        "from clientele.core import streams\n"
        "print(sys.modules['pydantic'] is before, streams.BatchProcessor.__module__,\n"
        f"      any(name.startswith({PARSER!r}) for name in sys.modules))\n"
    )
    assert with_the_layer(code, unset=("PYTHONPATH",)) == [
        "True",
        "aws_lambda_powertools.utilities.batch.base",
        "False",
    ]


def test_the_console_files_function_imports_only_the_standard_library() -> None:
    """It reads files: its cold start is the interpreter's, with no layer, Powertools or pydantic."""
    tree = ast.parse((ROOT / "functions" / STATIC_FILES / "app.py").read_text())
    imports = [alias.name for node in tree.body if isinstance(node, ast.Import) for alias in node.names]
    imports += [node.module or "" for node in tree.body if isinstance(node, ast.ImportFrom)]
    assert imports
    assert all(name.split(".")[0] in sys.stdlib_module_names | {"__future__"} for name in imports)


@pytest.mark.parametrize("function", FUNCTIONS)
def test_a_function_ends_its_init_with_the_collector_on_and_init_frozen(function: str) -> None:
    """The layer pauses the garbage collector for init (core/coldstart.py); every function must end it,
    or the collector would stay off for the life of the execution environment."""
    state = probed()[function]
    assert state["collector"] is True, f"{function}'s init leaves the garbage collector off"
    assert state["frozen"] > 10_000, f"{function}'s init did not freeze what it made ({state['frozen']} objects)"


def test_outside_lambda_the_layer_leaves_the_collector_alone() -> None:
    """Tests and tools import the layer too: there the collector is never paused, nor anything frozen."""
    code = "import gc, clientele.core.coldstart as c; c.pause_collector(); print(gc.isenabled(), gc.get_freeze_count())"
    assert with_the_layer(code, unset=("PYTHONPATH", "AWS_LAMBDA_FUNCTION_NAME")) == ["True", "0"]


def test_the_data_export_loads_none_of_erasures_machinery() -> None:
    """A read of everything about a person needs every domain's store, but not erasure's rules, nor the
    idempotency, export-job and import-job modules that erasure cleans up."""
    modules = set(imported()["consumer_data_export"])
    assert "clientele.privacy.data_export" in modules
    for unneeded in ("clientele.privacy.service", "clientele.core.idempotency", "clientele.jobs.export_store"):
        assert unneeded not in modules


def _routes_only_reads(function: str) -> bool:
    source = (ROOT / "functions" / function / "app.py").read_text()
    return "@app.get(" in source and not any(f"@app.{verb}(" in source for verb in ("post", "put", "delete"))


READ_ROUTES = [function for function in FUNCTIONS if _routes_only_reads(function)]


@pytest.mark.parametrize("function", READ_ROUTES)
def test_a_read_route_builds_no_request_body(function: str) -> None:
    """What callers send lives in each domain's requests.py: a route that takes no body loads none."""
    assert not [name for name in imported()[function] if name.endswith(".requests")]


@pytest.mark.parametrize("function", ["get_import", "create_import", "get_export", "list_exports"])
def test_a_job_route_loads_neither_engine(function: str) -> None:
    """Creating or reading an import job, or reading an export job, needs neither the CSV reader nor
    the export writers (and what they build on: the consumer listing, loyalty's rules)."""
    modules = set(imported()[function])
    assert {"clientele.jobs.imports", "clientele.jobs.exports", "clientele.loyalty.service"}.isdisjoint(modules)


def test_the_check_sees_a_stray_domain() -> None:
    """The check itself: a consumer route that pulled in orders would be caught."""
    stray = ["clientele", "clientele.consumers.service", "clientele.orders.service"]
    assert domains_in(stray) - builds_on("consumers") == {"orders"}

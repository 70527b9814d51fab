"""A generator accepts docs/openapi.json: openapi-python-client (pinned in requirements-dev.txt) builds a
client from it with no warning and with every operation. Its warnings are how a generator says it left
something out: the document once lost POST /orders and both loyalty-program writes that way."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT

DOCUMENT = ROOT / "docs" / "openapi.json"
BIN = Path(sys.executable).parent  # openapi-python-client, and the ruff its post-hooks run


def _generate(document: Path, output: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    command = [str(BIN / "openapi-python-client"), "generate", "--path", str(document), "--output-path", str(output)]
    return subprocess.run(
        [*command, "--meta", "none"], capture_output=True, text=True, env=env, cwd=output.parent, check=False
    )


def _problems(output: str) -> list[str]:
    """What the generator reported beyond 'Generating <path>': any warning or error."""
    return [line for line in output.splitlines() if line.strip() and not line.startswith("Generating ")]


def _module(operation_id: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", operation_id).lower()  # listConsumers -> list_consumers


def _operations(document: dict[str, Any]) -> list[tuple[str, str]]:
    """(tag, operationId) of every operation."""
    return [
        (operation["tags"][0], operation["operationId"])
        for operations in document["paths"].values()
        for operation in operations.values()
    ]


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, subprocess.CompletedProcess[str]]:
    package = tmp_path_factory.mktemp("client") / "clientele_api_client"
    return package, _generate(DOCUMENT, package)


def test_the_generator_warns_about_nothing(generated: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    _, run = generated
    assert run.returncode == 0, run.stdout + run.stderr
    assert not _problems(run.stdout + run.stderr), run.stdout + run.stderr


def test_every_operation_is_in_the_generated_client(generated: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    package, _ = generated
    document = json.loads(DOCUMENT.read_text())
    modules = [
        f"{package.name}.api.{tag.lower()}.{_module(operation_id)}" for tag, operation_id in _operations(document)
    ]
    assert len(modules) >= 40
    missing = [module for module in modules if not (package.parent / f"{module.replace('.', '/')}.py").exists()]
    assert not missing, missing
    # The modules import, and each has the generator's sync and asyncio calls.
    check = (
        "import importlib, sys\nfor name in sys.argv[1:]:\n    m = importlib.import_module(name)\n    m.sync, m.asyncio"
    )
    run = subprocess.run(
        [sys.executable, "-c", check, *modules], capture_output=True, text=True, cwd=package.parent, check=False
    )
    assert run.returncode == 0, run.stderr


def test_a_document_with_a_split_model_is_caught(tmp_path: Path) -> None:
    """The check itself: a model documented twice under one title (as pydantic's X-Input and X-Output
    were) is a warning, which the test above would fail on."""
    line = {"type": "object", "title": "OrderLine", "properties": {"name": {"type": "string"}}}
    document = {
        "openapi": "3.1.0",
        "info": {"title": "Split", "version": "1"},
        "paths": {
            "/orders": {
                "post": {
                    "operationId": "createOrder",
                    "tags": ["Orders"],
                    "requestBody": {
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/OrderLine-Input"}}}
                    },
                    "responses": {"201": {"description": "created"}},
                }
            }
        },
        "components": {
            "schemas": {
                "OrderLine-Input": line,
                "OrderLine-Output": {**line, "properties": {"name": {"type": "integer"}}},
            }
        },
    }
    path = tmp_path / "split.json"
    path.write_text(json.dumps(document))
    run = _generate(path, tmp_path / "split_client")
    assert any("duplicate models" in line for line in _problems(run.stdout + run.stderr)), run.stdout + run.stderr

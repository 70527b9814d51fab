from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from localstack_support import TEMPLATE

from clientele_local.testing import RunningStack, running_stack


@pytest.fixture(scope="module")
def out_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("out")


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory, out_dir: Path) -> Iterator[RunningStack]:
    state = tmp_path_factory.mktemp("state")
    with running_stack(
        state_dir=state, template=TEMPLATE, demo_key=False, extra_args=["-P", f"OutputDir={out_dir}"]
    ) as running:
        yield running

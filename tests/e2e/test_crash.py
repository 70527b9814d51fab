"""A crash of `make run` loses no acknowledged write: 20 consumers created over HTTP, the whole stack
SIGKILLed (workers included, no graceful stop), a new stack on the same state: all 20 are there,
read with the key minted before the crash (clientele_local/journal.py)."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import requests

from clientele_local.testing import running_stack
from tests.conftest import ROOT
from tests.e2e.conftest import run_cli

CONSUMERS = 20


def test_created_consumers_survive_a_sigkill_of_the_stack(tmp_path: Path) -> None:
    state = tmp_path / "state"
    with running_stack(state_dir=state, cwd=ROOT, demo_key=False) as first:
        minted = run_cli(state, "keys", "create", "--org", "crash", "--env", "sandbox")
        assert minted.returncode == 0, minted.stderr
        headers = {"Authorization": f"Bearer {minted.stdout.strip().splitlines()[-1]}"}
        created = {}
        for number in range(CONSUMERS):
            body = {"email": f"crash{number}@example.com", "fullName": f"Crash Person {number}"}
            answer = requests.post(f"{first.base_url}/api/v1/consumers", json=body, headers=headers, timeout=60)
            assert answer.status_code == 201, answer.text
            created[answer.json()["id"]] = body["email"]
        os.killpg(first.process.pid, signal.SIGKILL)  # the stack's whole process group, workers too
        first.process.wait(30)
    assert first.process.returncode == -signal.SIGKILL
    assert not (state / "data").exists()  # no graceful stop saved anything: only the journal has them

    with running_stack(state_dir=state, cwd=ROOT, demo_key=False) as second:
        found = {}
        for consumer_id in created:
            answer = requests.get(f"{second.base_url}/api/v1/consumers/{consumer_id}", headers=headers, timeout=60)
            if answer.status_code == 200:
                found[consumer_id] = answer.json()["email"]
        assert len(found) == CONSUMERS  # 20 of 20
        assert found == created
        assert second.wait_for_output("journal: replayed")

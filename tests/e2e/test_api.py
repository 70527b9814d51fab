"""The issue's done-when, over real HTTP against the local stack."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import requests

from clientele_local.testing import RunningStack, running_stack
from tests.conftest import ROOT
from tests.e2e.conftest import MintKey, run_cli


def auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def create(stack: RunningStack, key: str, body: dict, **headers: str) -> requests.Response:
    return requests.post(f"{stack.base_url}/api/v1/consumers", json=body, headers={**auth(key), **headers}, timeout=30)


def get(stack: RunningStack, key: str, consumer_id: str) -> requests.Response:
    return requests.get(f"{stack.base_url}/api/v1/consumers/{consumer_id}", headers=auth(key), timeout=30)


def assert_error(response: requests.Response, status: int, message: str | None = None) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"].startswith("application/json")
    error = response.json()["error"]
    assert set(error) == {"type", "code", "message", "details", "requestId"}
    assert error["requestId"]
    if message is not None:
        assert error["message"] == message
    return error


def test_create_then_read_back_a_consumer(stack: RunningStack, mint_key: MintKey) -> None:
    key = mint_key("acme")
    assert key.startswith("sk_test_")
    created = create(stack, key, {"email": "john@example.com", "fullName": "John Doe", "phone": "+1 415 555 2671"})
    assert created.status_code == 201, created.text
    consumer = created.json()
    assert consumer["id"].startswith("cons_")
    assert consumer["phone"] == "+14155552671"
    fetched = get(stack, key, consumer["id"])
    assert fetched.status_code == 200
    assert fetched.json() == consumer


def test_tenants_and_environments_are_isolated(stack: RunningStack, mint_key: MintKey) -> None:
    acme = mint_key("acme")
    consumer = create(stack, acme, {"email": f"{uuid.uuid4().hex}@example.com"}).json()
    assert_error(get(stack, mint_key("globex"), consumer["id"]), 404, "Consumer not found")
    acme_live = mint_key("acme", "live")
    assert acme_live.startswith("sk_live_")
    assert_error(get(stack, acme_live, consumer["id"]), 404, "Consumer not found")
    # The same email may exist in the live environment and in another organization.
    assert create(stack, acme_live, {"email": consumer["email"]}).status_code == 201
    assert_error(create(stack, acme, {"email": consumer["email"].upper()}), 400, "Email already exists")


def test_missing_bad_and_revoked_keys_are_401(stack: RunningStack, mint_key: MintKey) -> None:
    url = f"{stack.base_url}/api/v1/consumers/cons_01HXYZ12345678901234567890"
    assert_error(requests.get(url, timeout=30), 401, "Authentication required")
    assert_error(requests.get(url, headers={"Authorization": "Bearer nope"}, timeout=30), 401)
    assert_error(requests.get(url, headers=auth("sk_test_" + "Z" * 32), timeout=30), 401)

    key = mint_key("revokers")
    assert get(stack, key, "cons_01HXYZ12345678901234567890").status_code == 404
    listed = run_cli(stack.state_dir, "keys", "list", "--org", "revokers")
    assert listed.returncode == 0
    key_id = next(line.split()[0] for line in listed.stdout.splitlines() if line.startswith("key_"))
    assert key not in listed.stdout  # only a hint of the key is ever shown again
    revoked = run_cli(stack.state_dir, "keys", "revoke", key_id)
    assert revoked.returncode == 0, revoked.stderr
    assert_error(get(stack, key, "cons_01HXYZ12345678901234567890"), 401, "Authentication required")


def test_read_only_keys_read_but_cannot_write(stack: RunningStack, mint_key: MintKey) -> None:
    writer = mint_key("readers")
    consumer = create(stack, writer, {"email": "reader@example.com"}).json()
    reader = mint_key("readers", read_only=True)
    assert reader.startswith("rk_test_")
    assert get(stack, reader, consumer["id"]).json() == consumer
    assert_error(create(stack, reader, {"email": "nope@example.com"}), 403)
    assert create(stack, writer, {"email": "nope@example.com"}).status_code == 201  # the 403 created nothing


def test_validation_errors_and_unknown_routes(stack: RunningStack, mint_key: MintKey) -> None:
    key = mint_key("acme")
    error = assert_error(create(stack, key, {"email": "bad", "phone": "123"}), 400, "Validation failed")
    assert {detail["field"] for detail in error["details"]} == {"email", "phone"}
    response = requests.post(
        f"{stack.base_url}/api/v1/consumers",
        data="{oops",
        headers={**auth(key), "Content-Type": "application/json"},
        timeout=30,
    )
    assert_error(response, 400, "Validation failed")
    assert_error(requests.get(f"{stack.base_url}/api/v1/nothing-here", headers=auth(key), timeout=30), 404)


def test_idempotency_key_over_http(stack: RunningStack, mint_key: MintKey) -> None:
    key = mint_key("acme")
    body = {"email": f"{uuid.uuid4().hex}@example.com"}
    first = create(stack, key, body, **{"Idempotency-Key": "e2e-1"})
    second = create(stack, key, body, **{"Idempotency-Key": "e2e-1"})
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert_error(create(stack, key, {"email": "other@example.com"}, **{"Idempotency-Key": "e2e-1"}), 409)


def test_cli_explains_when_no_stack_runs(tmp_path: Path) -> None:
    result = run_cli(tmp_path, "keys", "list", "--org", "acme")
    assert result.returncode == 2
    assert "make run" in result.stderr


def test_cli_honours_port(stack: RunningStack) -> None:
    matching = run_cli(stack.state_dir, "keys", "list", "--org", "acme", port=int(stack.info["port"]))
    assert matching.returncode == 0
    other = run_cli(stack.state_dir, "keys", "list", "--org", "acme", port=1)
    assert other.returncode == 2
    assert "PORT=1" in other.stderr


def test_data_survives_a_graceful_restart(tmp_path: Path) -> None:
    state = tmp_path / "state"
    with running_stack(state_dir=state, cwd=ROOT) as first:
        key = run_cli(state, "keys", "create", "--org", "durable", "--env", "sandbox").stdout.splitlines()[-1]
        consumer = create(first, key, {"email": "stays@example.com"}).json()
        old_demo_key = first.demo_key
        assert old_demo_key
    with running_stack(state_dir=state, cwd=ROOT) as second:
        assert get(second, key, consumer["id"]).json() == consumer
        assert_error(create(second, key, {"email": "stays@example.com"}), 400, "Email already exists")
        new_demo_key = second.demo_key
        assert new_demo_key
        assert new_demo_key != old_demo_key  # shown once: a new demo key each start, the old one revoked
        assert_error(get(second, old_demo_key, consumer["id"]), 401)
        assert get(second, new_demo_key, consumer["id"]).status_code == 404  # demo org cannot see durable's
    saved = "".join(path.read_text(errors="ignore") for path in state.rglob("*") if path.is_file())
    assert old_demo_key not in saved
    assert new_demo_key not in saved  # keys are stored only as hashes, even locally


def test_the_openapi_document_and_swagger_ui_are_served(stack: RunningStack) -> None:
    document = requests.get(f"{stack.base_url}/api/v1/openapi.json", timeout=30)
    assert document.status_code == 200
    assert document.json() == json.loads((ROOT / "docs" / "openapi.json").read_text())
    page = requests.get(f"{stack.base_url}/docs", timeout=30)
    assert page.status_code == 200
    assert "/api/v1/openapi.json" in page.text
    script = requests.get(f"{stack.base_url}/docs/swagger-ui-bundle.js", timeout=30)
    assert script.status_code == 200
    assert script.headers["Content-Type"].endswith("javascript")

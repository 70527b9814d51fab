"""PUT and DELETE /consumers/{id}, the batch endpoints and include=, through the real handlers."""

from __future__ import annotations

import secrets
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from clientele.consumers import store as consumers_store
from clientele.core.errors import ClienteleError, Conflict
from clientele.core.store import dynamo
from clientele.core.tenancy import Principal
from tests.integration.conftest import Invoke, principal_for


def make(call: Invoke, principal: dict[str, str], **body: Any) -> dict[str, Any]:
    response = call("create_consumer", principal=principal, body=body)
    assert response["status"] == 201, response
    return response["body"]


def put(call: Invoke, principal: dict[str, str], consumer_id: str, body: Any) -> dict[str, Any]:
    return call("update_consumer", principal=principal, body=body, path_params={"id": consumer_id})


def get(call: Invoke, principal: dict[str, str], consumer_id: str, **query: str) -> dict[str, Any]:
    return call("get_consumer", principal=principal, path_params={"id": consumer_id}, query=query or None)


def test_put_changes_present_fields_and_null_clears(call: Invoke, acme: dict[str, str]) -> None:
    consumer = make(call, acme, email="ana@example.com", phone="+14155552671", fullName="Ana", metadata={"a": 1})
    response = put(call, acme, consumer["id"], {"fullName": "Ana Lima", "phone": None, "metadata": {"tier": "gold"}})
    assert response["status"] == 200, response
    updated = response["body"]
    assert updated["fullName"] == "Ana Lima"
    assert updated["phone"] is None
    assert updated["metadata"] == {"tier": "gold"}
    assert updated["email"] == "ana@example.com"  # absent: unchanged
    assert updated["version"] == consumer["version"] + 1
    assert updated["updatedAt"] >= consumer["updatedAt"]
    assert updated["createdAt"] == consumer["createdAt"]
    assert get(call, acme, consumer["id"])["body"] == updated


def test_put_keeps_a_built_full_name_in_step_with_its_parts(call: Invoke, acme: dict[str, str]) -> None:
    built = make(call, acme, email="b@example.com", firstName="Ana", lastName="Lima")
    assert put(call, acme, built["id"], {"lastName": "Silva"})["body"]["fullName"] == "Ana Silva"
    chosen = make(call, acme, email="c@example.com", firstName="Ana", lastName="Lima", fullName="Dr. A. Lima")
    assert put(call, acme, chosen["id"], {"lastName": "Silva"})["body"]["fullName"] == "Dr. A. Lima"


def test_verifying_records_when(call: Invoke, acme: dict[str, str]) -> None:
    consumer = make(call, acme, email="v@example.com")
    verified = put(call, acme, consumer["id"], {"verified": True})["body"]
    assert verified["verified"] is True
    assert verified["verifiedAt"] == verified["updatedAt"]
    assert put(call, acme, consumer["id"], {"verified": False})["body"]["verifiedAt"] is None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"status": None}, "body"),
        ({"status": "gone"}, "status"),
        ({"email": "nope"}, "email"),
        ({"id": "cons_other"}, "id"),
        ({"createdAt": "2020-01-01T00:00:00.000Z"}, "createdAt"),
        ({"totalOrders": 5}, "totalOrders"),
        ({"email": None, "phone": None, "externalId": None}, "body"),
    ],
)
def test_bad_updates_are_400_and_change_nothing(
    call: Invoke, acme: dict[str, str], body: dict[str, Any], field: str
) -> None:
    consumer = make(call, acme, email="keep@example.com")
    response = put(call, acme, consumer["id"], body)
    assert response["status"] == 400
    assert response["body"]["error"]["message"] == "Validation failed"
    assert field in [detail["field"] for detail in response["body"]["error"]["details"]]
    assert get(call, acme, consumer["id"])["body"] == consumer


def test_changing_email_moves_the_claim(call: Invoke, acme: dict[str, str]) -> None:
    first = make(call, acme, email="old@example.com", externalId="ext-1")
    other = make(call, acme, email="other@example.com")
    taken = put(call, acme, first["id"], {"email": "OTHER@example.com"})
    assert taken["status"] == 400
    assert taken["body"]["error"]["message"] == "Email already exists"
    assert get(call, acme, first["id"])["body"]["email"] == "old@example.com"
    assert put(call, acme, first["id"], {"email": "new@example.com", "externalId": "ext-2"})["status"] == 200
    # The old values are free again; the new ones are held.
    assert make(call, acme, email="old@example.com", externalId="ext-1")["email"] == "old@example.com"
    assert call("create_consumer", principal=acme, body={"email": "new@example.com"})["status"] == 400
    assert (
        put(call, acme, other["id"], {"externalId": "ext-2"})["body"]["error"]["code"] == "external_id_already_exists"
    )
    # Changing an email's case only keeps the claim.
    assert put(call, acme, first["id"], {"email": "NEW@example.com"})["status"] == 200


def test_concurrent_updates_all_apply_without_losing_a_change(call: Invoke, acme: dict[str, str]) -> None:
    consumer = make(call, acme, email="busy@example.com")

    def tag(name: str) -> dict[str, Any]:
        return put(call, acme, consumer["id"], {"metadata": {"last": name}, "tags": [name]})

    with ThreadPoolExecutor(max_workers=6) as pool:
        answers = list(pool.map(tag, [f"t{n}" for n in range(6)]))
    succeeded = [answer["body"] for answer in answers if answer["status"] == 200]
    assert {answer["status"] for answer in answers} <= {200, 409}
    assert len(succeeded) >= 2  # retries on a fresh read let most of them through
    final = get(call, acme, consumer["id"])["body"]
    assert final["version"] == 1 + len(succeeded)  # each success is exactly one version: none overwritten
    assert final == max(succeeded, key=lambda body: body["version"])


def test_concurrent_email_changes_leave_exactly_the_final_email_claimed(call: Invoke, acme: dict[str, str]) -> None:
    consumer = make(call, acme, email="start@example.com")
    emails = [f"move{n}@example.com" for n in range(5)]
    with ThreadPoolExecutor(max_workers=5) as pool:
        list(pool.map(lambda email: put(call, acme, consumer["id"], {"email": email}), emails))
    final = get(call, acme, consumer["id"])["body"]["email"]
    assert final in emails
    for email in ["start@example.com", *emails]:
        attempt = call("create_consumer", principal=acme, body={"email": email})
        assert attempt["status"] == (400 if email == final else 201), email


def test_a_write_that_clashes_with_a_transaction_is_retried(
    call: Invoke, acme: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    consumer = make(call, acme, email="clash@example.com")
    real_commit, clashes = consumers_store.commit, []

    def clash_once(write: Any) -> None:
        if not clashes:
            clashes.append(1)
            raise Conflict()
        real_commit(write)

    monkeypatch.setattr(consumers_store, "commit", clash_once)
    response = put(call, acme, consumer["id"], {"fullName": "After the clash"})
    assert response["status"] == 200
    assert clashes == [1]
    assert get(call, acme, consumer["id"])["body"]["fullName"] == "After the clash"


def test_unknown_and_foreign_consumers_cannot_be_changed(call: Invoke, acme: dict[str, str]) -> None:
    consumer = make(call, acme, email="mine@example.com")
    globex = principal_for("globex")
    assert put(call, globex, consumer["id"], {"fullName": "X"})["status"] == 404
    deleted = call("delete_consumer", principal=globex, path_params={"id": consumer["id"]})
    assert deleted["status"] == 404
    assert deleted["body"]["error"]["message"] == "Consumer not found"
    assert get(call, acme, consumer["id"])["body"] == consumer


def test_delete_returns_the_consumer_frees_its_values_and_then_404s(call: Invoke, acme: dict[str, str]) -> None:
    consumer = make(call, acme, email="gone@example.com", externalId="gone-1")
    response = call("delete_consumer", principal=acme, path_params={"id": consumer["id"]})
    assert response["status"] == 200
    assert response["body"] == consumer
    assert get(call, acme, consumer["id"])["status"] == 404
    again = call("delete_consumer", principal=acme, path_params={"id": consumer["id"]})
    assert again["status"] == 404
    assert make(call, acme, email="gone@example.com", externalId="gone-1")["id"] != consumer["id"]


def test_include_adds_the_named_relations(call: Invoke, acme: dict[str, str]) -> None:
    consumer = make(call, acme, email="rel@example.com")
    both = get(call, acme, consumer["id"], include="audiences,orders")["body"]
    assert both["audiences"] == []
    assert both["orders"] == []
    assert "orders" not in get(call, acme, consumer["id"], include="audiences")["body"]
    bad = get(call, acme, consumer["id"], include="friends")
    assert bad["status"] == 400
    assert bad["body"]["error"]["details"][0]["field"] == "include"


# ---------------------------------------------------------------- batches


def test_batch_create_returns_every_consumer_in_order(call: Invoke, acme: dict[str, str]) -> None:
    body = [{"email": f"user{n}@example.com", "fullName": f"User {n}"} for n in range(120)]
    response = call("batch_create_consumers", principal=acme, body=body)
    assert response["status"] == 201
    created = response["body"]
    assert [c["email"] for c in created] == [item["email"] for item in body]
    assert len({c["id"] for c in created}) == 120
    assert get(call, acme, created[77]["id"])["body"] == created[77]


def test_batch_of_501_is_rejected_whole(call: Invoke, acme: dict[str, str]) -> None:
    response = call("batch_create_consumers", principal=acme, body=[{"externalId": str(n)} for n in range(501)])
    assert response["status"] == 400
    assert response["body"]["error"]["message"] == "Max batch size is 500"
    update = call("batch_update_consumers", principal=acme, body=[{"id": "cons_x"}] * 501)
    assert update["status"] == 400
    assert update["body"]["error"]["message"] == "Max batch size is 500"


def test_batch_of_500_is_accepted(call: Invoke, acme: dict[str, str]) -> None:
    response = call("batch_create_consumers", principal=acme, body=[{"externalId": f"e{n}"} for n in range(500)])
    assert response["status"] == 201
    assert len(response["body"]) == 500


def test_a_bad_item_fails_the_whole_batch_with_its_index(call: Invoke, acme: dict[str, str]) -> None:
    make(call, acme, email="exists@example.com")
    body = [
        {"email": "fine@example.com"},
        {"email": "not-an-email"},
        {"email": "twice@example.com"},
        {"email": "TWICE@example.com"},
        {"email": "exists@example.com"},
        {"fullName": "no identifier"},
    ]
    response = call("batch_create_consumers", principal=acme, body=body)
    assert response["status"] == 400
    error = response["body"]["error"]
    assert error["message"] == "Validation failed"
    assert {(d["index"], d["field"]) for d in error["details"]} == {
        (1, "email"),
        (3, "email"),
        (4, "email"),
        (5, "body"),
    }
    # Nothing was written: the good item's email is still free.
    assert make(call, acme, email="fine@example.com")["email"] == "fine@example.com"


@pytest.mark.parametrize("body", [{"email": "a@example.com"}, [], "text"])
def test_batch_body_must_be_a_non_empty_array(call: Invoke, acme: dict[str, str], body: Any) -> None:
    response = call("batch_create_consumers", principal=acme, body=body)
    assert response["status"] == 400
    assert response["body"]["error"]["details"][0]["field"] == "body"


def test_batch_create_honours_idempotency_key(call: Invoke, acme: dict[str, str]) -> None:
    body = [{"email": "i1@example.com"}, {"email": "i2@example.com"}]
    headers = {"Idempotency-Key": "import-7"}
    first = call("batch_create_consumers", principal=acme, body=body, headers=headers)
    second = call("batch_create_consumers", principal=acme, body=body, headers=headers)
    assert first["status"] == second["status"] == 201
    assert first["body"] == second["body"]


def test_batch_update_applies_every_item(call: Invoke, acme: dict[str, str]) -> None:
    created = call("batch_create_consumers", principal=acme, body=[{"email": f"b{n}@example.com"} for n in range(3)])[
        "body"
    ]
    body = [
        {"id": created[0]["id"], "metadata": {"tier": "gold"}},
        {"id": created[1]["id"], "status": "inactive", "email": "moved@example.com"},
        {"id": created[2]["id"], "tags": ["vip"]},
    ]
    response = call("batch_update_consumers", principal=acme, body=body)
    assert response["status"] == 200
    updated = response["body"]
    assert updated[0]["metadata"] == {"tier": "gold"}
    assert updated[1]["status"] == "inactive"
    assert updated[1]["email"] == "moved@example.com"
    assert updated[2]["tags"] == ["vip"]
    assert [get(call, acme, c["id"])["body"] for c in created] == updated
    assert make(call, acme, email="b1@example.com")["email"] == "b1@example.com"  # the old email is free


def test_batch_update_rejects_missing_duplicate_and_clashing_items(call: Invoke, acme: dict[str, str]) -> None:
    a, b = (make(call, acme, email=f"{name}@example.com") for name in ("a", "b"))
    foreign = make(call, principal_for("globex"), email="f@example.com")
    body = [
        {"id": a["id"], "fullName": "A"},
        {"id": a["id"], "fullName": "A again"},
        {"id": "cons_01HXYZ12345678901234567890", "fullName": "ghost"},
        {"id": foreign["id"], "fullName": "not yours"},
        {"id": b["id"], "email": "a@example.com"},
        {"fullName": "no id"},
    ]
    response = call("batch_update_consumers", principal=acme, body=body)
    assert response["status"] == 400
    details = {(d["index"], d["field"]) for d in response["body"]["error"]["details"]}
    assert (5, "id") in details  # the missing id is a shape error, reported before anything is read
    body.pop()
    details = {
        (d["index"], d["field"])
        for d in call("batch_update_consumers", principal=acme, body=body)["body"]["error"]["details"]
    }
    assert details == {(1, "id"), (2, "id"), (3, "id"), (4, "email")}
    assert get(call, acme, a["id"])["body"] == a
    assert get(call, acme, b["id"])["body"] == b


def test_a_batch_cut_short_by_a_race_says_exactly_what_was_written(
    call: Invoke, acme: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Another request takes item 60's email after the batch's checks ran: its transaction fails.
    make(call, acme, email="raced@example.com")
    monkeypatch.setattr(consumers_store, "taken_values", lambda tenant, values: {})
    body = [{"email": f"r{n}@example.com"} for n in range(100)]
    body[60]["email"] = "raced@example.com"
    response = call("batch_create_consumers", principal=acme, body=body)
    assert response["status"] == 409
    details = response["body"]["error"]["details"]
    assert [d["index"] for d in details] == list(range(100))
    written = [d["index"] for d in details if d["written"]]
    # Whole transactions of 33 consumers (3 operations each: the item, its email claim, its history):
    # the one holding item 60 (33 to 65) failed, and nothing after it was tried.
    assert written == list(range(33))
    assert details[60]["message"] == "Email already exists"
    assert all(get(call, acme, d["id"])["status"] == 200 for d in details[:33])
    assert all(get(call, acme, d["id"])["status"] == 404 for d in details[33:])


def test_a_batch_stopped_before_any_write_reports_the_item(
    call: Invoke, acme: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    make(call, acme, email="raced@example.com")
    monkeypatch.setattr(consumers_store, "taken_values", lambda tenant, values: {})
    body = [{"email": "first@example.com"}, {"email": "raced@example.com"}]
    response = call("batch_create_consumers", principal=acme, body=body)
    assert response["status"] == 400
    error = response["body"]["error"]
    assert error["message"] == "Email already exists"
    assert error["details"][0]["index"] == 1
    assert make(call, acme, email="first@example.com")  # nothing of the batch was written


def test_a_full_batch_replays_from_its_idempotency_record(call: Invoke, acme: dict[str, str]) -> None:
    # Random metadata does not compress: this answer cannot be kept whole in one DynamoDB item.
    body = [{"externalId": f"big-{n}", "metadata": {"a": secrets.token_urlsafe(300)}} for n in range(500)]
    headers = {"Idempotency-Key": "big-import"}
    first = call("batch_create_consumers", principal=acme, body=body, headers=headers)
    assert first["status"] == 201
    second = call("batch_create_consumers", principal=acme, body=body, headers=headers)
    assert second["status"] == 201
    assert second["body"] == first["body"]  # rebuilt from the kept ids: nothing changed since


def test_a_batch_cut_short_by_a_fault_reports_and_remembers_it(
    call: Invoke, acme: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    real_transact, calls = dynamo.transact, []

    def fail_second_transaction(operations: list[dict[str, Any]]) -> None:
        calls.append(len(operations))
        if len(calls) == 2:
            raise ClienteleError()  # e.g. the store failed mid-batch
        real_transact(operations)

    monkeypatch.setattr(dynamo, "transact", fail_second_transaction)
    body = [{"email": f"f{n}@example.com"} for n in range(80)]
    headers = {"Idempotency-Key": "faulty"}
    response = call("batch_create_consumers", principal=acme, body=body, headers=headers)
    assert response["status"] == 409
    details = response["body"]["error"]["details"]
    # Transactions of 33 consumers (each with its claim and its history): the second one failed.
    assert [d["written"] for d in details] == [True] * 33 + [False] * 47
    assert all("message" in d for d in details[33:])
    # The same key answers the same report and writes nothing more.
    transactions = len(calls)
    again = call("batch_create_consumers", principal=acme, body=body, headers=headers)
    assert again["status"] == 409
    assert again["body"]["error"]["details"] == details
    assert len(calls) == transactions


def test_a_batch_update_never_overwrites_a_change_made_after_its_read(
    call: Invoke, acme: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    consumer = make(call, acme, email="stale@example.com")
    stale = consumers_store.get_many(Principal.from_context(acme).tenant, [consumer["id"]])
    assert put(call, acme, consumer["id"], {"fullName": "Changed meanwhile"})["status"] == 200
    monkeypatch.setattr(consumers_store, "get_many", lambda tenant, ids: stale)  # the batch read before that
    response = call("batch_update_consumers", principal=acme, body=[{"id": consumer["id"], "fullName": "Batch"}])
    assert response["status"] == 409
    assert response["body"]["error"]["code"] == "consumer_changed"
    assert response["body"]["error"]["details"][0]["index"] == 0
    assert get(call, acme, consumer["id"])["body"]["fullName"] == "Changed meanwhile"

"""Orders as seed 003's sessions (issue 19): open, closed, partially returned and cancelled, the moves
between them, and returns of cart items with their refund, discount share, aggregates and points."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any

import boto3

from clientele.core.tenancy import Principal
from clientele.orders.store import OrderRecord
from tests.integration.conftest import TABLE_NAME, Invoke, principal_for

EARNING = {"name": "Rewards", "earning": {"pointsPerUnit": 1, "start": {"type": "relative", "amount": 14}}}
LINES = [
    {"sku": "A", "name": "Shirt", "quantity": 2, "unitPrice": 10},
    {"sku": "B", "name": "Hat", "quantity": 1, "unitPrice": 20},
]


def _setup(call: Invoke, principal: dict[str, str]) -> tuple[dict[str, Any], dict[str, Any]]:
    program = call("create_loyalty_program", principal=principal, body=EARNING)["body"]
    consumer = call("create_consumer", principal=principal, body={"email": "ana@example.com"})["body"]
    return program, consumer


def _order(call: Invoke, principal: dict[str, str], consumer_id: str, **body: Any) -> dict[str, Any]:
    sent = {"consumerId": consumer_id, "amount": 40, "discountAmount": 4, "currency": "EUR", "items": LINES, **body}
    response = call("create_order", principal=principal, body=sent)
    assert response["status"] == 201, response
    return response["body"]


def _act(call: Invoke, principal: dict[str, str], function: str, order_id: str, **body: Any) -> dict[str, Any]:
    return call(function, principal=principal, path_params={"id": order_id}, body=body)


def _consumer(call: Invoke, principal: dict[str, str], consumer_id: str) -> dict[str, Any]:
    return call("get_consumer", principal=principal, path_params={"id": consumer_id})["body"]


def _money(consumer: dict[str, Any]) -> tuple[Any, ...]:
    return (
        consumer["totalOrders"],
        consumer["totalOrderValue"],
        consumer["accruedDiscounts"],
        consumer["netRevenue"],
        consumer["loyalty"]["pendingPoints"],
    )


def _events(call: Invoke, principal: dict[str, str], consumer_id: str) -> list[dict[str, Any]]:
    return call("consumer_timeline", principal=principal, path_params={"id": consumer_id})["body"]["data"]


def test_an_open_session_moves_nothing_until_it_closes(call: Invoke, acme: dict[str, str]) -> None:
    program, consumer = _setup(call, acme)
    opened = _order(call, acme, consumer["id"], state="open", placedAt="2026-01-10T10:00:00Z")
    assert (opened["state"], opened["closedAt"], opened["pointsEarned"]) == ("open", None, {})
    assert _money(_consumer(call, acme, consumer["id"])) == (0, 0, 0, 0, 0)
    assert not [event for event in _events(call, acme, consumer["id"]) if event["type"] == "order_placed"]

    closed = _act(call, acme, "close_order", opened["id"])
    assert closed["status"] == 200, closed
    order = closed["body"]
    assert (order["state"], order["pointsEarned"]) == ("closed", {program["id"]: 36})
    assert order["closedAt"] >= order["updatedAt"][:10]
    assert _money(_consumer(call, acme, consumer["id"])) == (1, 40, 4, 36, 36)
    # The points start 14 days after the session closed, not after it was placed (in January).
    [entry] = call("list_points_transactions", principal=acme, path_params={"id": consumer["id"]})["body"]["data"]
    closed_at = datetime.fromisoformat(order["closedAt"])
    assert (datetime.fromisoformat(entry["activeOn"]) - closed_at).days == 14
    assert [event["type"] for event in _events(call, acme, consumer["id"])].count("order_placed") == 1


def test_state_moves_that_are_not_allowed_are_refused_and_change_nothing(call: Invoke, acme: dict[str, str]) -> None:
    _, consumer = _setup(call, acme)
    opened = _order(call, acme, consumer["id"], state="open")
    for function, body in (("refund_order", {}), ("return_order_items", {"items": [{"position": 0, "quantity": 1}]})):
        refused = _act(call, acme, function, opened["id"], **body)
        assert refused["status"] == 409, refused
        assert refused["body"]["error"]["code"] == "invalid_order_state"
        assert "close it first" in refused["body"]["error"]["details"][0]["message"]
    closed = _order(call, acme, consumer["id"])
    assert closed["state"] == "closed"
    refused = _act(call, acme, "close_order", closed["id"])
    assert (refused["status"], refused["body"]["error"]["code"]) == (409, "invalid_order_state")
    assert refused["body"]["error"]["details"] == [
        {"field": "state", "message": "the order is closed; the moves it allows are partially_returned, cancelled"}
    ]
    assert _act(call, acme, "cancel_order", opened["id"])["body"]["state"] == "cancelled"
    for function in ("close_order", "cancel_order"):
        again = _act(call, acme, function, opened["id"])
        assert again["status"] == 409
        assert (
            again["body"]["error"]["details"][0]["message"]
            == "the order is cancelled; the moves it allows are none: it is final"
        )
    assert _money(_consumer(call, acme, consumer["id"])) == (1, 40, 4, 36, 36)  # the closed one only
    created_cancelled = call(
        "create_order",
        principal=acme,
        body={"consumerId": consumer["id"], "amount": 1, "currency": "EUR", "state": "cancelled"},
    )
    assert created_cancelled["status"] == 400
    assert _act(call, acme, "close_order", "ord_unknown")["status"] == 404
    assert _act(call, principal_for("other"), "close_order", opened["id"])["status"] == 404


def test_returns_by_item_refund_their_value_less_their_share_of_the_discount(
    call: Invoke, acme: dict[str, str]
) -> None:
    program, consumer = _setup(call, acme)
    order = _order(call, acme, consumer["id"], externalId="web-1")
    one_shirt = _act(
        call, acme, "return_order_items", order["id"], items=[{"position": 0, "quantity": 1}], reason="size"
    )
    assert one_shirt["status"] == 201, one_shirt
    after = one_shirt["body"]
    # The shirt was 10 of the 40, a quarter: a quarter of what was paid (36) comes back, 1 of the discount.
    assert (after["state"], after["status"], after["refundedAmount"]) == ("partially_returned", "partially_refunded", 9)
    assert after["refunds"][0]["items"] == [{"position": 0, "quantity": 1}]
    assert after["pointsTakenBack"] == {program["id"]: 9}
    assert _money(_consumer(call, acme, consumer["id"])) == (1, 30, 3, 27, 27)

    for items, field, message in (
        ([{"position": 0, "quantity": 2}], "items.0.quantity", "only 1 of line 0 are left to return"),
        ([{"position": 2, "quantity": 1}], "items.0.position", "the order has 2 lines (positions 0 to 1)"),
        ([{"position": 1, "quantity": 1}, {"position": 1, "quantity": 1}], "items", "name each position once"),
        ([], "items", None),
    ):
        refused = _act(call, acme, "return_order_items", order["id"], items=items)
        assert refused["status"] == 400, refused
        detail = refused["body"]["error"]["details"][0]
        assert detail["field"] == field
        assert message is None or message in detail["message"]
    assert _money(_consumer(call, acme, consumer["id"])) == (1, 30, 3, 27, 27)  # refusals changed nothing

    # The rest comes back: all that is left is refunded and the order is cancelled.
    rest = _act(
        call,
        acme,
        "return_order_items",
        order["id"],
        items=[{"position": 0, "quantity": 1}, {"position": 1, "quantity": 1}],
    )
    assert rest["status"] == 201, rest
    assert (rest["body"]["state"], rest["body"]["status"], rest["body"]["refundedAmount"]) == (
        "cancelled",
        "refunded",
        36,
    )
    assert rest["body"]["pointsTakenBack"] == {program["id"]: 36}
    assert _money(_consumer(call, acme, consumer["id"])) == (1, 0, 0, 0, 0)
    events = _events(call, acme, consumer["id"])
    # the last return's refund, the points it took back and the cancellation: one transaction
    assert sorted(event["type"] for event in events[:3]) == ["order_cancelled", "order_refunded", "points_deducted"]
    refunds = [event["details"] for event in events if event["type"] == "order_refunded"]
    assert refunds[-1]["items"] == [{"position": 0, "quantity": 1, "name": "Shirt"}]
    assert refunds[-1]["reason"] == "size"
    assert {"orderId": order["id"]} == next(event["details"] for event in events if event["type"] == "order_cancelled")


def test_cancelling_a_closed_order_refunds_what_is_left(call: Invoke, acme: dict[str, str]) -> None:
    program, consumer = _setup(call, acme)
    order = _order(call, acme, consumer["id"])
    partly = _act(call, acme, "refund_order", order["id"], amount=6)
    assert (partly["body"]["state"], partly["body"]["refundedAmount"]) == ("closed", 6)  # a refund by amount
    cancelled = _act(call, acme, "cancel_order", order["id"], reason="fraud")
    assert cancelled["status"] == 200, cancelled
    body = cancelled["body"]
    assert (body["state"], body["status"], body["refundedAmount"]) == ("cancelled", "refunded", 36)
    assert body["pointsTakenBack"] == {program["id"]: 36}
    assert [refund["amount"] for refund in body["refunds"]] == [6, 30]
    assert _money(_consumer(call, acme, consumer["id"])) == (1, 0, 0, 0, 0)  # it was placed: it still counts
    reasons = [
        event["details"].get("reason")
        for event in _events(call, acme, consumer["id"])
        if event["type"] == "order_cancelled"
    ]
    assert reasons == ["fraud"]


def test_a_fully_discounted_line_comes_back_without_money(call: Invoke, acme: dict[str, str]) -> None:
    _, consumer = _setup(call, acme)
    lines = [{"name": "Gift", "quantity": 1, "unitPrice": 5}, {"name": "Mug", "quantity": 1, "unitPrice": 5}]
    order = _order(call, acme, consumer["id"], amount=10, discountAmount=10, items=lines)
    back = _act(call, acme, "return_order_items", order["id"], items=[{"position": 0, "quantity": 1}])
    assert back["status"] == 201, back
    assert (back["body"]["state"], back["body"]["refundedAmount"], back["body"]["refunds"][0]["amount"]) == (
        "partially_returned",
        0,
        0,
    )


def test_twenty_parallel_returns_give_back_each_item_once(call: Invoke, acme: dict[str, str]) -> None:
    _, consumer = _setup(call, acme)
    lines = [{"name": "Cup", "quantity": 5, "unitPrice": 4}, {"name": "Saucer", "quantity": 1, "unitPrice": 2}]
    order = _order(call, acme, consumer["id"], amount=22, discountAmount=0, items=lines)

    def give_back(_: int) -> int:
        body = {"items": [{"position": 0, "quantity": 1}]}
        return int(_act(call, acme, "return_order_items", order["id"], **body)["status"])

    with ThreadPoolExecutor(max_workers=20) as pool:
        statuses = list(pool.map(give_back, range(20)))
    assert statuses.count(201) == 5
    assert set(statuses) == {201, 400}
    stored = call("get_order", principal=acme, path_params={"id": order["id"]})["body"]
    assert sum(item["quantity"] for refund in stored["refunds"] for item in refund["items"]) == 5
    assert (stored["refundedAmount"], stored["state"]) == (20, "partially_returned")
    assert _consumer(call, acme, consumer["id"])["totalOrderValue"] == 2


def test_an_order_stored_before_states_reads_as_closed(call: Invoke, acme: dict[str, str]) -> None:
    _, consumer = _setup(call, acme)
    order = _order(call, acme, consumer["id"])
    key = OrderRecord.key(Principal.from_context(acme).tenant, order["id"])
    table = boto3.resource("dynamodb").Table(TABLE_NAME)
    table.update_item(Key=key, UpdateExpression="REMOVE #state, closedAt", ExpressionAttributeNames={"#state": "state"})
    assert "state" not in table.get_item(Key=key)["Item"]
    read = call("get_order", principal=acme, path_params={"id": order["id"]})["body"]
    assert (read["state"], read["closedAt"]) == ("closed", None)
    back = _act(call, acme, "return_order_items", order["id"], items=[{"position": 1, "quantity": 1}])
    assert back["body"]["state"] == "partially_returned"


def test_a_retried_close_or_cancel_with_its_idempotency_key_gets_the_first_answer(
    call: Invoke, acme: dict[str, str]
) -> None:
    _, consumer = _setup(call, acme)
    opened = _order(call, acme, consumer["id"], state="open")
    for function in ("close_order", "cancel_order"):
        headers = {"Idempotency-Key": f"{function}-1"}
        first = call(function, principal=acme, path_params={"id": opened["id"]}, headers=headers)
        again = call(function, principal=acme, path_params={"id": opened["id"]}, headers=headers)
        assert first["status"] == again["status"] == 200, (first, again)
        assert first["body"] == again["body"]
    assert _money(_consumer(call, acme, consumer["id"])) == (1, 0, 0, 0, 0)  # closed once, then cancelled

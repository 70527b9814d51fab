"""Orders, refunds, balance and the timeline through the real handlers against moto."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import Any

import pytest

from tests.integration.conftest import Invoke, principal_for

ORDER = {
    "externalId": "shop-1001",
    "amount": 100,
    "discountAmount": 10,
    "currency": "EUR",
    "items": [{"sku": "TEE", "name": "T-shirt", "quantity": 2, "unitPrice": 50}],
    "placedAt": "2024-11-01T10:00:00Z",
    "channel": "web",
    "checkoutUrl": "https://shop.example.com/checkout/1001",
}


def _consumer(call: Invoke, principal: dict[str, str], **body: Any) -> dict[str, Any]:
    created = call("create_consumer", principal=principal, body={"email": "ana@example.com", **body})
    assert created["status"] == 201, created
    return created["body"]


def _get(call: Invoke, principal: dict[str, str], consumer_id: str) -> dict[str, Any]:
    response = call("get_consumer", principal=principal, path_params={"id": consumer_id})
    assert response["status"] == 200, response
    return response["body"]


def _order(call: Invoke, principal: dict[str, str], expect: int = 201, **body: Any) -> dict[str, Any]:
    response = call("create_order", principal=principal, body=body)
    assert response["status"] == expect, response
    return response["body"]


def _aggregates(consumer: dict[str, Any]) -> dict[str, Any]:
    names = (
        "totalOrders",
        "totalOrderValue",
        "averageOrderValue",
        "discountedOrders",
        "undiscountedOrders",
        "accruedDiscounts",
        "netRevenue",
    )
    return {name: consumer[name] for name in names}


def test_an_order_for_an_unknown_email_creates_a_guest_with_its_aggregates(call: Invoke, acme: dict[str, str]) -> None:
    order = _order(call, acme, email="New.Buyer@Example.com", **ORDER)
    assert order["id"].startswith("ord_")
    assert order["status"] == "placed"
    assert (order["amount"], order["discountAmount"], order["netAmount"], order["refundedAmount"]) == (100, 10, 90, 0)
    assert order["placedAt"] == "2024-11-01T10:00:00.000Z"
    assert order["items"] == [{"sku": "TEE", "name": "T-shirt", "quantity": 2, "unitPrice": 50}]
    consumer = _get(call, acme, order["consumerId"])
    assert consumer["email"] == "New.Buyer@example.com"
    assert consumer["membership"] == "guest"
    assert _aggregates(consumer) == {
        "totalOrders": 1,
        "totalOrderValue": 100,
        "averageOrderValue": 100,
        "discountedOrders": 1,
        "undiscountedOrders": 0,
        "accruedDiscounts": 10,
        "netRevenue": 90,
    }
    assert consumer["lastOrderAt"] == "2024-11-01T10:00:00.000Z"
    assert consumer["version"] == 1
    # The same email finds that consumer afterwards: no second guest.
    again = _order(call, acme, email="new.buyer@example.com", amount=5, currency="EUR")
    assert again["consumerId"] == order["consumerId"]


def test_resending_an_order_with_its_external_id_records_it_once(call: Invoke, acme: dict[str, str]) -> None:
    consumer = _consumer(call, acme)
    first = _order(call, acme, consumerId=consumer["id"], **ORDER)
    again = _order(call, acme, expect=200, consumerId=consumer["id"], **ORDER)
    assert again == first
    assert _get(call, acme, consumer["id"])["totalOrders"] == 1


def test_orders_name_their_consumer_by_id_email_or_external_id(call: Invoke, acme: dict[str, str]) -> None:
    consumer = _consumer(call, acme, externalId="crm-7")
    by_external_id = _order(call, acme, consumerExternalId="crm-7", amount=10, currency="EUR")
    by_email = _order(call, acme, email="ANA@example.com", amount=10, currency="EUR")
    assert by_external_id["consumerId"] == by_email["consumerId"] == consumer["id"]
    for body, field in (
        ({"consumerId": "cons_01HXYZ12345678901234567890"}, "consumerId"),
        ({"consumerExternalId": "nobody"}, "consumerExternalId"),
    ):
        missing = call("create_order", principal=acme, body={**body, "amount": 1, "currency": "EUR"})
        assert missing["status"] == 404
        assert missing["body"]["error"]["message"] == "Consumer not found"
        assert missing["body"]["error"]["details"][0]["field"] == field


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"amount": "10.001", "currency": "EUR"}, "EUR amounts have at most 2 decimals"),
        ({"amount": 10.5, "currency": "JPY"}, "JPY amounts have at most 0 decimals"),
        ({"amount": 10, "discountAmount": 11, "currency": "EUR"}, "discountAmount cannot be more than amount"),
        ({"amount": -1, "currency": "EUR"}, "greater than or equal to 0"),
        ({"amount": 1, "currency": "eur0"}, "three-letter ISO 4217"),
        ({"amount": 1, "currency": "EUR", "consumerExternalId": "x"}, "exactly one of"),
        ({"amount": 1, "currency": "EUR", "placedAt": "2999-01-01T00:00:00Z"}, "in the future"),
        ({"amount": 1, "currency": "EUR", "checkoutUrl": "javascript:alert(1)"}, "http(s) URL"),
        ({"amount": "NaN", "currency": "EUR"}, "finite"),
    ],
)
def test_bad_orders_are_400_and_change_nothing(
    call: Invoke, acme: dict[str, str], body: dict[str, Any], message: str
) -> None:
    consumer = _consumer(call, acme)
    response = call("create_order", principal=acme, body={"email": "ana@example.com", **body})
    assert response["status"] == 400, response
    assert response["body"]["error"]["message"] == "Validation failed"
    assert message in str(response["body"]["error"]["details"])
    assert _get(call, acme, consumer["id"]) == consumer


def test_an_environment_has_one_currency(call: Invoke, acme: dict[str, str]) -> None:
    consumer = _consumer(call, acme)
    _order(call, acme, consumerId=consumer["id"], amount=10, currency="EUR")
    other = call("create_order", principal=acme, body={"consumerId": consumer["id"], "amount": 10, "currency": "USD"})
    assert other["status"] == 400
    assert other["body"]["error"]["code"] == "currency_mismatch"
    assert other["body"]["error"]["message"] == "This environment's currency is EUR"
    assert _get(call, acme, consumer["id"])["totalOrders"] == 1
    # The other environment of the same organization has its own.
    live = principal_for("acme", "live")
    _order(call, live, email="ana@example.com", amount=10, currency="USD")


def test_money_is_exact_decimal(call: Invoke, acme: dict[str, str]) -> None:
    consumer = _consumer(call, acme)
    for _ in range(3):
        _order(call, acme, consumerId=consumer["id"], amount="0.10", currency="EUR")
    after = _get(call, acme, consumer["id"])
    assert after["totalOrderValue"] == 0.3  # 0.1 + 0.1 + 0.1 in floats is 0.30000000000000004
    assert after["averageOrderValue"] == 0.1
    assert after["undiscountedOrders"] == 3


def test_refunds_give_back_money_and_their_share_of_the_discount(call: Invoke, acme: dict[str, str]) -> None:
    consumer = _consumer(call, acme)
    order = _order(call, acme, consumerId=consumer["id"], **ORDER)  # 100 - 10 discount = 90 paid
    path = {"id": order["id"]}

    partial = call("refund_order", principal=acme, path_params=path, body={"amount": 30, "reason": "one returned"})
    assert partial["status"] == 201, partial
    assert partial["body"]["status"] == "partially_refunded"
    assert partial["body"]["refundedAmount"] == 30
    assert partial["body"]["refunds"][0]["reason"] == "one returned"
    # A third of what was paid: a third of the discount (3.33) goes back too.
    assert _aggregates(_get(call, acme, consumer["id"])) == {
        "totalOrders": 1,
        "totalOrderValue": 66.67,
        "averageOrderValue": 66.67,
        "discountedOrders": 1,
        "undiscountedOrders": 0,
        "accruedDiscounts": 6.67,
        "netRevenue": 60,
    }

    too_much = call("refund_order", principal=acme, path_params=path, body={"amount": 60.01})
    assert too_much["status"] == 400
    assert too_much["body"]["error"]["code"] == "refund_too_large"
    assert "60" in too_much["body"]["error"]["details"][0]["message"]

    rest = call("refund_order", principal=acme, path_params=path, body={})
    assert rest["status"] == 201
    assert rest["body"]["status"] == "refunded"
    assert [refund["amount"] for refund in rest["body"]["refunds"]] == [30, 60]
    after = _get(call, acme, consumer["id"])
    assert (after["totalOrderValue"], after["accruedDiscounts"], after["netRevenue"]) == (0, 0, 0)
    assert after["totalOrders"] == 1  # it was placed

    again = call("refund_order", principal=acme, path_params=path, body={})
    assert again["status"] == 400
    assert again["body"]["error"]["message"] == "Order is already fully refunded"
    assert call("get_order", principal=acme, path_params=path)["body"] == rest["body"]


def test_orders_are_read_by_id_and_per_consumer_newest_first(call: Invoke, acme: dict[str, str]) -> None:
    consumer = _consumer(call, acme)
    placed = [
        _order(
            call, acme, consumerId=consumer["id"], amount=day, currency="EUR", placedAt=f"2024-10-{day:02d}T09:00:00Z"
        )
        for day in (3, 1, 5, 2, 4)
    ]
    got = call("get_order", principal=acme, path_params={"id": placed[0]["id"]})
    assert got["body"] == placed[0]
    assert call("get_order", principal=acme, path_params={"id": "ord_nope"})["status"] == 404
    other = principal_for("other")
    assert call("get_order", principal=other, path_params={"id": placed[0]["id"]})["status"] == 404

    seen: list[int] = []
    after: str | None = None
    while True:
        query = {"first": "2", **({"after": after} if after else {})}
        page = call("list_consumer_orders", principal=acme, path_params={"id": consumer["id"]}, query=query)["body"]
        seen += [order["amount"] for order in page["data"]]
        after = page["pageInfo"]["endCursor"]
        if after is None:
            break
    assert seen == [5, 4, 3, 2, 1]
    included = call("get_consumer", principal=acme, path_params={"id": consumer["id"]}, query={"include": "orders"})
    assert [order["amount"] for order in included["body"]["orders"]] == [5, 4, 3, 2, 1]
    assert _get(call, acme, consumer["id"])["lastOrderAt"] == "2024-10-05T09:00:00.000Z"

    missing = call("list_consumer_orders", principal=acme, path_params={"id": "cons_01HXYZ12345678901234567890"})
    assert missing["status"] == 404
    listed = call("list_consumers", principal=acme, query={"include": "orders"})
    assert listed["status"] == 400  # a list page includes audiences only


def test_concurrent_orders_and_refunds_keep_the_totals_exact(call: Invoke, acme: dict[str, str]) -> None:
    consumer = _consumer(call, acme)
    amounts = [Decimal("10.01") * (n + 1) for n in range(16)]

    def place(amount: Decimal) -> int:
        body = {"consumerId": consumer["id"], "amount": str(amount), "discountAmount": "1.00", "currency": "EUR"}
        return int(call("create_order", principal=acme, body=body)["status"])

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(place, amounts))
    assert statuses == [201] * len(amounts)
    after = _get(call, acme, consumer["id"])
    assert after["totalOrders"] == 16
    assert Decimal(str(after["totalOrderValue"])) == sum(amounts)
    assert Decimal(str(after["accruedDiscounts"])) == 16
    assert Decimal(str(after["netRevenue"])) == sum(amounts) - 16

    orders = call("list_consumer_orders", principal=acme, path_params={"id": consumer["id"]}, query={"first": "16"})
    with ThreadPoolExecutor(max_workers=8) as pool:
        refunds = list(
            pool.map(
                lambda order: call("refund_order", principal=acme, path_params={"id": order["id"]}, body={}),
                orders["body"]["data"],
            )
        )
    assert [refund["status"] for refund in refunds] == [201] * 16
    after = _get(call, acme, consumer["id"])
    assert (after["totalOrderValue"], after["accruedDiscounts"], after["netRevenue"]) == (0, 0, 0)


# ---------------------------------------------------------------- balance


def _adjust(call: Invoke, principal: dict[str, str], consumer_id: str, **body: Any) -> dict[str, Any]:
    return call("adjust_balance", principal=principal, path_params={"id": consumer_id}, body=body)


def test_balance_credits_and_debits_never_below_zero(call: Invoke, acme: dict[str, str]) -> None:
    consumer = _consumer(call, acme)
    first = _adjust(call, acme, consumer["id"], amount=25, reason="goodwill")
    assert first["status"] == 400  # no currency yet: the first money movement must name it
    assert first["body"]["error"]["details"][0]["field"] == "currency"
    credit = _adjust(call, acme, consumer["id"], amount="25.50", reason="goodwill", currency="EUR")
    assert credit["status"] == 201, credit
    assert (credit["body"]["amount"], credit["body"]["balanceAfter"], credit["body"]["currency"]) == (25.5, 25.5, "EUR")
    over = _adjust(call, acme, consumer["id"], amount=-30, reason="purchase")
    assert over["status"] == 400
    assert over["body"]["error"]["message"] == "Balance cannot go below zero"
    assert "25.5" in over["body"]["error"]["details"][0]["message"]
    wrong = _adjust(call, acme, consumer["id"], amount=-1, reason="x", currency="USD")
    assert wrong["status"] == 400
    assert wrong["body"]["error"]["code"] == "currency_mismatch"
    assert _adjust(call, acme, consumer["id"], amount=-25.5, reason="purchase")["status"] == 201
    assert _get(call, acme, consumer["id"])["balance"] == 0
    history = call("list_balance_adjustments", principal=acme, path_params={"id": consumer["id"]})["body"]
    assert [(entry["amount"], entry["balanceAfter"]) for entry in history["data"]] == [(-25.5, 0), (25.5, 25.5)]
    assert _adjust(call, acme, consumer["id"], amount=0, reason="x")["status"] == 400
    missing = _adjust(call, acme, "cons_01HXYZ12345678901234567890", amount=1, reason="x")
    assert missing["status"] == 404


def test_concurrent_debits_spend_each_unit_once(call: Invoke, acme: dict[str, str]) -> None:
    consumer = _consumer(call, acme)
    assert _adjust(call, acme, consumer["id"], amount=100, reason="top-up", currency="EUR")["status"] == 201
    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(
            pool.map(lambda _: _adjust(call, acme, consumer["id"], amount=-20, reason="spend")["status"], range(10))
        )
    assert sorted(statuses) == [201] * 5 + [400] * 5
    assert _get(call, acme, consumer["id"])["balance"] == 0
    history = call(
        "list_balance_adjustments", principal=acme, path_params={"id": consumer["id"]}, query={"first": "20"}
    )
    assert sum(entry["amount"] for entry in history["body"]["data"]) == 0


# ---------------------------------------------------------------- timeline


def test_a_purchase_on_the_timeline_shows_what_was_bought_and_the_checkout_link(
    call: Invoke, acme: dict[str, str]
) -> None:
    """Seed 002: the timeline's purchase shows the items, the amounts and the checkout link."""
    consumer = _consumer(call, acme)
    items = [
        {"sku": "TEE-1", "name": "T-shirt", "quantity": 2, "unitPrice": "12.50"},
        {"name": "Gift card", "unitPrice": 20},
    ]
    order = _order(
        call,
        acme,
        consumerId=consumer["id"],
        amount=45,
        discountAmount="5.5",
        currency="EUR",
        items=items,
        checkoutUrl="https://shop.example.com/checkout/abc",
        channel="web",
    )
    events = call("consumer_timeline", principal=acme, path_params={"id": consumer["id"]})["body"]["data"]
    (placed,) = [event for event in events if event["type"] == "order_placed"]
    assert placed["details"] == {
        "orderId": order["id"],
        "amount": 45,
        "discountAmount": 5.5,
        "netAmount": 39.5,
        "currency": "EUR",
        "items": [
            {"sku": "TEE-1", "name": "T-shirt", "quantity": 2, "unitPrice": 12.5},
            {"name": "Gift card", "quantity": 1, "unitPrice": 20},
        ],
        "checkoutUrl": "https://shop.example.com/checkout/abc",
        "channel": "web",
    }


def test_the_timeline_records_every_interaction_newest_first(call: Invoke, acme: dict[str, str]) -> None:
    consumer = _consumer(call, acme)
    order = _order(call, acme, consumerId=consumer["id"], amount=40, currency="EUR", placedAt="2020-01-01T00:00:00Z")
    call("refund_order", principal=acme, path_params={"id": order["id"]}, body={"amount": 15, "reason": "torn"})
    _adjust(call, acme, consumer["id"], amount=5, reason="sorry")
    update = {"status": "inactive", "membership": "member", "verified": True, "fullName": "Ana"}
    assert call("update_consumer", principal=acme, path_params={"id": consumer["id"]}, body=update)["status"] == 200

    events = call("consumer_timeline", principal=acme, path_params={"id": consumer["id"]})["body"]["data"]
    # One update's changes share its instant.
    assert {event["type"] for event in events[:3]} == {"status_changed", "membership_changed", "verified_changed"}
    assert [event["type"] for event in events[3:]] == ["balance_adjusted", "order_refunded", "order_placed"]
    status = next(event for event in events if event["type"] == "status_changed")
    assert status["details"] == {"from": "active", "to": "inactive"}
    assert events[3]["details"]["amount"] == 5
    assert events[4]["details"] == {
        "orderId": order["id"],
        "refundId": events[4]["details"]["refundId"],
        "amount": 15,
        "currency": "EUR",
        "reason": "torn",  # why, for the console's timeline
    }
    assert events[5]["occurredAt"] == "2020-01-01T00:00:00.000Z"  # when the order was placed

    paged = call("consumer_timeline", principal=acme, path_params={"id": consumer["id"]}, query={"first": "4"})["body"]
    rest = call(
        "consumer_timeline",
        principal=acme,
        path_params={"id": consumer["id"]},
        query={"first": "4", "after": paged["pageInfo"]["endCursor"]},
    )["body"]
    assert [event["id"] for event in paged["data"] + rest["data"]] == [event["id"] for event in events]
    assert rest["pageInfo"]["endCursor"] is None
    other = principal_for("other")
    assert call("consumer_timeline", principal=other, path_params={"id": consumer["id"]})["status"] == 404


def test_parallel_first_orders_of_one_new_email_make_one_guest(call: Invoke, acme: dict[str, str]) -> None:
    body = {"email": "rush@example.com", "amount": 10, "currency": "EUR"}
    with ThreadPoolExecutor(max_workers=6) as pool:
        answers = list(pool.map(lambda _: call("create_order", principal=acme, body=body), range(6)))
    assert [answer["status"] for answer in answers] == [201] * 6
    assert len({answer["body"]["consumerId"] for answer in answers}) == 1
    assert _get(call, acme, answers[0]["body"]["consumerId"])["totalOrders"] == 6


def test_a_fully_discounted_order_has_nothing_to_refund(call: Invoke, acme: dict[str, str]) -> None:
    order = _order(call, acme, email="free@example.com", amount=10, discountAmount=10, currency="EUR")
    refund = call("refund_order", principal=acme, path_params={"id": order["id"]}, body={})
    assert refund["status"] == 400
    assert refund["body"]["error"]["details"] == [{"field": "amount", "message": "nothing was paid for this order"}]


def test_a_deleted_consumers_history_is_not_served(call: Invoke, acme: dict[str, str]) -> None:
    consumer = _consumer(call, acme)
    _order(call, acme, consumerId=consumer["id"], amount=10, currency="EUR")
    assert call("delete_consumer", principal=acme, path_params={"id": consumer["id"]})["status"] == 200
    for function in ("consumer_timeline", "list_consumer_orders", "list_balance_adjustments"):
        assert call(function, principal=acme, path_params={"id": consumer["id"]})["status"] == 404, function


def test_an_order_stored_though_its_commit_reported_a_clash_answers_201_once(
    call: Invoke, acme: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A transaction can be stored while its answer says it clashed (the store answered after the
    commit): the retry finds the order by its externalId, sees it is its own, and answers 201."""
    from clientele.core.errors import Conflict
    from clientele.orders import service

    consumer = _consumer(call, acme)
    real = service.consumer_store.commit
    calls = []

    def stored_then_clashed(write: Any) -> None:
        real(write)
        calls.append(1)
        if len(calls) == 1:
            raise Conflict()

    monkeypatch.setattr(service.consumer_store, "commit", stored_then_clashed)
    body = {"consumerId": consumer["id"], "externalId": "ambiguous-1", "amount": "10.00", "currency": "EUR"}
    placed = call("create_order", principal=acme, body=body)
    assert placed["status"] == 201, placed
    assert len(calls) == 1  # stored once; the retry found it
    assert _get(call, acme, consumer["id"])["totalOrders"] == 1
    again = call("create_order", principal=acme, body=body)
    assert (again["status"], again["body"]["id"]) == (200, placed["body"]["id"])

"""Bench rows for what a profile carries beyond identity: orders, balance, loyalty, audiences.

Each operation runs through its real handler; its raw floor is the least the store must do for
the same result, as bare boto3 calls on the same table, timed in the same run.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Callable
from typing import Any

from clientele.audiences import store as audiences
from clientele.consumers import activity
from clientele.consumers.store import ConsumerRecord
from clientele.core.tenancy import Principal
from clientele.duplicates import service as duplicates
from clientele.duplicates import store as duplicate_store
from clientele.loyalty import card_store
from clientele.loyalty import store as loyalty
from clientele.orders import store as orders
from clientele_local.inprocess import Context, api_event, load_function

TimedRow = Callable[[str, Callable[[int], Any], Callable[[int], Any], int], dict[str, Any]]

AUDIENCE_MEMBERS = 200
TRANSACTIONS = 100


def _call(function: str, context: dict[str, str], expect: int, **request: Any) -> Any:
    response = load_function(function).lambda_handler(api_event(function, principal=context, **request), Context())
    assert response["statusCode"] == expect, (function, response["body"][:400])
    return json.loads(response["body"])


def profile_rows(raw: Any, principal: Principal, iterations: int, timed_row: TimedRow) -> list[dict[str, Any]]:
    """Rows for an order write, a refund, a balance adjustment, points in and out, a loyalty read,
    a transaction-log page, an audience-filtered list page and the per-consumer histories."""
    table = os.environ["TABLE_NAME"]
    context = principal.as_context()
    tenant = principal.tenant

    program = _call(
        "create_loyalty_program",
        context,
        201,
        body={"name": "Bench", "earning": {"pointsPerUnit": 1}, "tiers": [{"name": "Gold", "minPoints": 1000}]},
    )
    buyer = _call("create_consumer", context, 201, body={"email": f"buyer.{uuid.uuid4().hex[:6]}@example.com"})
    members = [
        _call("create_consumer", context, 201, body={"email": f"m{n}.{uuid.uuid4().hex[:6]}@example.com"})["id"]
        for n in range(AUDIENCE_MEMBERS)
    ]
    audience = _call("create_audience", context, 201, body={"name": "Bench audience"})
    _call("add_audience_members", context, 200, path_params={"id": audience["id"]}, body={"consumerIds": members})
    in_audiences = members[0]
    for name in ("Second", "Third"):
        other = _call("create_audience", context, 201, body={"name": name})
        _call(
            "add_audience_members", context, 200, path_params={"id": other["id"]}, body={"consumerIds": [in_audiences]}
        )
    points_path = {"id": buyer["id"]}
    for n in range(TRANSACTIONS):
        body = {"programId": program["id"], "points": 10, "reason": f"grant {n}"}
        _call("add_points", context, 201, path_params=points_path, body=body)

    def consumer_item(consumer_id: str) -> dict[str, Any]:
        return raw.get_item(TableName=table, Key=_key(ConsumerRecord.key(tenant, consumer_id)))["Item"]

    def raw_order(index: int) -> None:
        """One transaction: the order item and the consumer item rewritten with its new totals."""
        consumer = consumer_item(buyer["id"])
        order_item = {"pk": {"S": f"raw#ORDER#{uuid.uuid4().hex}"}, "sk": {"S": "ORDER"}, "amount": {"N": "10"}}
        raw.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": table, "Item": order_item, "ConditionExpression": "attribute_not_exists(pk)"}},
                {"Put": {"TableName": table, "Item": consumer}},
            ]
        )

    def order(index: int, consumer_id: str = buyer["id"]) -> dict[str, Any]:
        body = {"consumerId": consumer_id, "amount": "25.00", "currency": "EUR", "externalId": uuid.uuid4().hex}
        return _call("create_order", context, 201, body=body)

    placed: list[str] = []

    def refund(index: int) -> None:
        _call("refund_order", context, 201, path_params={"id": placed.pop()}, body={"amount": "5.00"})

    def adjust(index: int) -> None:
        body = {"amount": "1.00", "reason": "bench", "currency": "EUR"}
        _call("adjust_balance", context, 201, path_params={"id": buyer["id"]}, body=body)

    def add_points(index: int) -> None:
        body = {"programId": program["id"], "points": 5, "reason": "bench"}
        _call("add_points", context, 201, path_params=points_path, body=body)

    def deduct(index: int) -> None:
        body = {"programId": program["id"], "points": 1, "reason": "bench"}
        _call("deduct_points", context, 201, path_params=points_path, body=body)

    def raw_point_write(index: int) -> None:
        """The wallet and the consumer rewritten, and the log entry: one transaction."""
        wallet = raw.get_item(TableName=table, Key=_key(loyalty.WalletRecord.key(tenant, buyer["id"], program["id"])))[
            "Item"
        ]
        consumer = consumer_item(buyer["id"])
        entry = {"pk": consumer["pk"], "sk": {"S": f"raw#POINTS#{uuid.uuid4().hex}"}, "points": {"N": "5"}}
        raw.transact_write_items(
            TransactItems=[{"Put": {"TableName": table, "Item": item}} for item in (wallet, consumer, entry)]
        )

    def loyalty_read(index: int) -> None:
        _call("consumer_loyalty", context, 200, path_params=points_path)

    def raw_loyalty_read(index: int) -> None:
        """The two items the answer is made of: the wallet and its program (tiers, timezone)."""
        keys = [
            loyalty.WalletRecord.key(tenant, buyer["id"], program["id"]),
            loyalty.LoyaltyProgramRecord.key(tenant, program["id"]),
        ]
        raw.batch_get_item(RequestItems={table: {"Keys": [_key(key) for key in keys]}})

    def page(function: str, path: dict[str, str], query: dict[str, str] | None = None) -> Callable[[int], None]:
        def read(index: int) -> None:
            body = _call(function, context, 200, path_params=path, query={"first": "20", **(query or {})})
            assert len(body["data"]) == 20, (function, len(body["data"]))

        return read

    def raw_page(pk: str, prefix: str, index: str | None = None, hash_name: str = "pk", range_name: str = "sk") -> Any:
        def read(_: int) -> None:
            params: dict[str, Any] = {
                "TableName": table,
                "KeyConditionExpression": f"{hash_name} = :pk AND begins_with({range_name}, :prefix)",
                "ExpressionAttributeValues": {":pk": {"S": pk}, ":prefix": {"S": prefix}},
                "ScanIndexForward": False,
                "Limit": 20,
            }
            if index:
                params["IndexName"] = index
            raw.query(**params)

        return read

    # Issue 19: an order that redeems a coupon and carries a referral code, per timed call a new
    # shopper (a coupon is its recipient's, a person is referred once); a till's card lookup.
    _call("create_referral_code", context, 201, path_params=points_path, body={"code": "BENCH-FRIENDS"})
    shoppers = {}
    for n in range(-1, iterations):
        shopper = _call("create_consumer", context, 201, body={"email": f"s{n}.{uuid.uuid4().hex[:6]}@example.com"})
        coupon = {"code": f"BENCH-{n + 1}", "type": "percent", "value": 10}
        _call("issue_coupon", context, 201, path_params={"id": shopper["id"]}, body=coupon)
        shoppers[n] = (shopper["id"], coupon["code"])

    first_buyers = {
        n: _call("create_consumer", context, 201, body={"email": f"f{n}.{uuid.uuid4().hex[:6]}@example.com"})["id"]
        for n in range(-1, iterations)
    }

    def first_order(index: int) -> None:
        """The same order by a shopper of the same kind, without the coupon and the referral."""
        order(index, first_buyers[index])

    def order_with_coupon_and_referral(index: int) -> None:
        shopper, code = shoppers[index]
        body = {
            "consumerId": shopper,
            "amount": "25.00",
            "currency": "EUR",
            "externalId": uuid.uuid4().hex,
            "couponCode": code,
            "referralCode": "BENCH-FRIENDS",
        }
        _call("create_order", context, 201, body=body)

    card = _call("issue_loyalty_card", context, 201, path_params={"id": program["id"]}, body={"code": "BENCH-CARD"})
    _call("link_loyalty_card", context, 200, path_params={"code": card["code"]}, body={"consumerId": buyer["id"]})

    def card_lookup(index: int) -> None:
        _call("get_loyalty_card", context, 200, path_params={"code": card["code"]})

    def raw_card_lookup(index: int) -> None:
        raw.get_item(
            TableName=table, Key=_key(card_store.LoyaltyCardRecord.key(tenant, card["code"])), ConsistentRead=True
        )

    # Issue 18: the duplicates page: 21 pairs of profiles sharing a phone, checked as the stream would.
    for n in range(21):
        for side in ("a", "b"):
            body = {"email": f"d{n}{side}.{uuid.uuid4().hex[:6]}@example.com", "phone": f"+1415556{n:04d}"}
            duplicates.check(tenant, _call("create_consumer", context, 201, body=body)["id"])

    def raw_duplicates_page(_: int) -> None:
        """The page's 20 suggestions from the index, then their 40 profiles in one BatchGetItem."""
        found = raw.query(
            TableName=table,
            IndexName="gsi1",
            KeyConditionExpression="gsi1pk = :pk",
            ExpressionAttributeValues={":pk": {"S": duplicate_store.SuggestionRecord.listing(tenant)}},
            ScanIndexForward=False,
            Limit=20,
        )["Items"]
        ids = [item[name]["S"] for item in found for name in ("consumerId", "otherId")]
        keys = [_key(ConsumerRecord.key(tenant, consumer_id)) for consumer_id in ids]
        raw.batch_get_item(RequestItems={table: {"Keys": keys, "ConsistentRead": True}})

    consumer_pk = ConsumerRecord.key(tenant, buyer["id"])["pk"]
    audience_pk = audiences.AudienceMember.partition(tenant, audience["id"])
    for n in range(max(iterations + 1, 21)):  # one refund per timed call and the warm-up; a full page
        placed.append(order(n)["id"])
    rows = [
        timed_row("POST /orders (consumer in no audience)", order, raw_order, 0),
        timed_row("POST /orders (consumer in 3 audiences)", lambda n: order(n, in_audiences), raw_order, 0),
        timed_row("POST /orders/{id}/refunds", refund, raw_order, 0),
        timed_row("POST /consumers/{id}/balance-adjustments", adjust, raw_order, 0),
        timed_row("POST .../loyalty/points", add_points, raw_point_write, 0),
        timed_row("POST .../loyalty/deductions", deduct, raw_point_write, 0),
        timed_row("GET /loyalty-cards/{code}", card_lookup, raw_card_lookup, 1),
        timed_row("GET /duplicates (page of 20)", page("list_duplicates", {}), raw_duplicates_page, 20),
        # The answer holds two rows here (all ledgers, and the main ledger): two items read for them.
        timed_row("GET /consumers/{id}/loyalty", loyalty_read, raw_loyalty_read, 2),
        timed_row(
            "GET .../loyalty/transactions (page of 20)",
            page("list_points_transactions", points_path),
            raw_page(consumer_pk, loyalty.PointsTransactionRecord.PREFIX),
            20,
        ),
        timed_row(
            "GET /consumers?audienceId= (page of 20)",
            page("list_consumers", {}, {"audienceId": audience["id"]}),
            raw_page(audience_pk, audiences.AudienceMember.PREFIX),
            20,
        ),
        timed_row(
            "GET /consumers/{id}/orders (page of 20)",
            page("list_consumer_orders", points_path),
            raw_page(
                orders.OrderRecord.consumer_orders_partition(tenant, buyer["id"]), "2", "gsi1", "gsi1pk", "gsi1sk"
            ),
            20,
        ),
        timed_row(
            "GET /consumers/{id}/timeline (page of 20)",
            page("consumer_timeline", points_path),
            raw_page(consumer_pk, activity.TimelineEventRecord.PREFIX),
            20,
        ),
    ]
    rows.append(timed_row("POST /orders (a shopper's first order)", first_order, raw_order, 0))
    # Last, as the program gains an achievement counting orders (never completed here): this order
    # redeems a coupon, records a referral and moves the achievement, beside today's plain order above.
    achievement = {"key": "bench", "name": "Bench", "metric": "orders", "target": 10**6}
    _call(
        "update_loyalty_program", context, 200, path_params={"id": program["id"]}, body={"achievements": [achievement]}
    )
    rows.append(timed_row("POST /orders + coupon, referral, achievement", order_with_coupon_and_referral, raw_order, 0))
    return rows


def _key(key: dict[str, str]) -> dict[str, dict[str, str]]:
    return {name: {"S": value} for name, value in key.items()}

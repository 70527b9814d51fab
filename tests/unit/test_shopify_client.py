"""The GraphQL Admin API client, with no network: scripted HTTP answers and a fake clock. Pacing by
throttleStatus, THROTTLED retries, 429 (Retry-After) and 5xx backoff within a bound, cursor paging,
and the bulk JSONL read as a stream from a byte offset with children attached to their parent."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest

from clientele.core import settings
from clientele.shopify import bulk, client
from clientele.shopify.client import Client, ShopifyFailed, Throttle

Json = dict[str, Any]


def cost(requested: float, available: float, maximum: float = 1000.0, restore: float = 50.0) -> Json:
    return {
        "cost": {
            "requestedQueryCost": requested,
            "actualQueryCost": requested,
            "throttleStatus": {"maximumAvailable": maximum, "currentlyAvailable": available, "restoreRate": restore},
        }
    }


class Clock:
    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(round(seconds, 3))
        self.now += seconds


class Scripted(Client):
    """A client whose HTTP answers come from a list: (status, headers, body)."""

    def __init__(self, answers: list[tuple[int, Json, Json]], clock: Clock) -> None:
        super().__init__("kefi.myshopify.com", "shpat_test", sleep=clock.sleep, monotonic=clock.monotonic)
        self.answers = answers
        self.sent: list[Json] = []

    def _post(self, body: bytes) -> tuple[int, Any, Json]:
        self.sent.append(json.loads(body))
        self.calls += 1
        status, headers, answer = self.answers.pop(0)
        return status, headers, answer


def ok(data: Json, extensions: Json | None = None) -> tuple[int, Json, Json]:
    return 200, {}, {"data": data, "extensions": extensions or cost(10, 990)}


THROTTLED = {"message": "Throttled", "extensions": {"code": "THROTTLED"}}


def test_the_endpoint_is_the_pinned_version_of_the_shop_or_the_stand_in(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SHOPIFY_BASE_URL", raising=False)
    settings.reset()
    assert client.endpoint("kefi.myshopify.com") == "https://kefi.myshopify.com/admin/api/2025-10/graphql.json"
    monkeypatch.setenv("SHOPIFY_BASE_URL", "http://127.0.0.1:9/")
    settings.reset()
    assert client.endpoint("kefi.myshopify.com") == "http://127.0.0.1:9/admin/api/2025-10/graphql.json"
    settings.reset()


def test_the_bucket_refills_at_its_restore_rate_up_to_its_size() -> None:
    bucket = Throttle(maximum=1000, available=100, restore_rate=50, at=10.0)
    assert bucket.available_at(12.0) == 200
    assert bucket.available_at(100.0) == 1000
    assert bucket.wait_for(300, 10.0) == 4.0
    assert bucket.wait_for(50, 10.0) == 0.0
    assert bucket.wait_for(5000, 10.0) == 18.0  # more than the bucket holds: waits for a full bucket


def test_a_query_waits_until_the_bucket_holds_its_cost() -> None:
    clock = Clock()
    shop = Scripted([ok({"a": 1}, cost(300, 100)), ok({"a": 2}, cost(300, 100)), ok({"a": 3}, cost(300, 900))], clock)
    assert shop.query("query A { a }", operation="A") == {"a": 1}
    assert clock.slept == []  # nothing known before the first answer
    assert shop.query("query A { a }", operation="A") == {"a": 2}
    assert clock.slept == [4.0]  # 300 wanted, 100 there, 50 a second
    clock.now += 10  # time passes elsewhere: the bucket refilled meanwhile
    assert shop.query("query A { a }", operation="A") == {"a": 3}
    assert clock.slept == [4.0]
    assert shop.waited == 4.0


def test_a_throttled_answer_is_waited_out_by_its_throttle_status_and_retried() -> None:
    clock = Clock()
    throttled = (200, {}, {"errors": [THROTTLED], "extensions": cost(500, 250)})
    shop = Scripted([throttled, ok({"done": True}, cost(500, 0))], clock)
    assert shop.query("query B { b }", operation="B") == {"done": True}
    assert clock.slept == [5.0]  # (500 - 250) / 50
    assert len(shop.sent) == 2


def test_429_waits_what_retry_after_says_and_5xx_backs_off() -> None:
    clock = Clock()
    shop = Scripted([(429, {"Retry-After": "2"}, {}), (503, {}, {}), (502, {}, {}), ok({"x": 1})], clock)
    assert shop.query("query C { c }", operation="C") == {"x": 1}
    assert clock.slept[0] == 2.0
    assert 0.5 <= clock.slept[1] <= 1.0
    assert 1.0 <= clock.slept[2] <= 2.0
    assert len(shop.sent) == 4


def test_retries_are_bounded() -> None:
    clock = Clock()
    shop = Scripted([(500, {}, {})] * client.MAX_ATTEMPTS, clock)
    with pytest.raises(ShopifyFailed) as failed:
        shop.query("query D { d }", operation="D")
    assert failed.value.status == 500
    assert len(shop.sent) <= client.MAX_ATTEMPTS
    too_long = Scripted([(429, {"Retry-After": "3600"}, {})], Clock())
    with pytest.raises(ShopifyFailed):  # never sooner than asked: it fails, and the job's chunk is retried later
        too_long.query("query D { d }", operation="D")
    throttled = Scripted([(200, {}, {"errors": [THROTTLED], "extensions": cost(10, 0)})] * client.MAX_ATTEMPTS, Clock())
    with pytest.raises(ShopifyFailed) as again:
        throttled.query("query E { e }", operation="E")
    assert again.value.code == "THROTTLED"


def test_other_errors_fail_at_once() -> None:
    refused = Scripted([(401, {}, {"errors": "[API] Invalid API key or access token"})], Clock())
    with pytest.raises(ShopifyFailed) as failed:
        refused.query("query F { f }", operation="F")
    assert (failed.value.status, len(refused.sent)) == (401, 1)
    bad = Scripted(
        [(200, {}, {"errors": [{"message": "Field 'x' doesn't exist", "extensions": {"code": "undefinedField"}}]})],
        Clock(),
    )
    with pytest.raises(ShopifyFailed, match="doesn't exist"):
        bad.query("query G { x }", operation="G")


def test_pages_follow_the_cursor_until_there_is_no_next_page() -> None:
    def page(ids: list[int], end: str | None) -> tuple[int, Json, Json]:
        info = {"hasNextPage": end is not None, "endCursor": end}
        return ok({"customers": {"nodes": [{"id": i} for i in ids], "pageInfo": info}})

    shop = Scripted([page([1, 2], "c1"), page([3, 4], "c2"), page([5], None)], Clock())
    pages = list(shop.pages("query P", {"first": 2}, operation="P", connection="customers"))
    assert pages == [([{"id": 1}, {"id": 2}], "c1"), ([{"id": 3}, {"id": 4}], "c2"), ([{"id": 5}], None)]
    assert [sent["variables"]["after"] for sent in shop.sent] == [None, "c1", "c2"]
    assert shop.sent[0]["variables"]["first"] == 2


JSONL = (
    b'{"id":"gid://shopify/Customer/1","firstName":"Ada"}\n'
    b'{"id":"gid://shopify/MailingAddress/11","address1":"1 Main","__parentId":"gid://shopify/Customer/1"}\n'
    b'{"id":"gid://shopify/Customer/2","firstName":"Ben"}\n'
    b'{"id":"gid://shopify/Customer/3","firstName":"Cy"}\n'
    b'{"id":"gid://shopify/MailingAddress/21","address1":"2 Side","__parentId":"gid://shopify/Customer/2"}\n'
    b'{"id":"gid://shopify/MailingAddress/31","address1":"3 Way","__parentId":"gid://shopify/Customer/3"}\n'
    b'{"id":"gid://shopify/Customer/4","firstName":"Di"}\n'
)


class _Response(io.BytesIO):
    def __init__(self, data: bytes, status: int) -> None:
        super().__init__(data)
        self.status = status


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> list[str | None]:
    """urlopen answering JSONL for a Range request (206) in blocks of 7 bytes; records each Range asked."""
    asked: list[str | None] = []
    monkeypatch.setattr(client, "READ_BYTES", 7)

    def urlopen(request: Any, timeout: float) -> _Response:
        ranged = request.get_header("Range")
        asked.append(ranged)
        start = int(ranged.removeprefix("bytes=").rstrip("-")) if ranged else 0
        return _Response(JSONL[start:], 206 if ranged else 200)

    monkeypatch.setattr(client.urllib.request, "urlopen", urlopen)
    return asked


def test_jsonl_lines_stream_from_an_offset(served: list[str | None]) -> None:
    shop = Client("kefi.myshopify.com", "t")
    lines = list(shop.lines("https://files/op.jsonl"))
    assert [json.loads(line)["id"].rsplit("/", 1)[-1] for line, _ in lines] == ["1", "11", "2", "3", "21", "31", "4"]
    assert lines[-1][1] == len(JSONL)
    offset = lines[2][1]  # after customer 2
    again = list(shop.lines("https://files/op.jsonl", offset))
    assert [json.loads(line)["id"].rsplit("/", 1)[-1] for line, _ in again] == ["3", "21", "31", "4"]
    assert served == [None, f"bytes={offset}-"]


def test_a_bulk_chunk_holds_whole_customers_with_their_children(served: list[str | None]) -> None:
    shop = Client("kefi.myshopify.com", "t")
    first = bulk.read(shop, "https://files/op.jsonl", 0, limit=2)
    assert [customer["firstName"] for customer in first.customers] == ["Ada", "Ben"]
    assert first.customers[0]["addressesV2"] == {
        "nodes": [{"id": "gid://shopify/MailingAddress/11", "address1": "1 Main"}]
    }
    assert "addressesV2" not in first.customers[1]  # Ben's address comes after Cy: in the next chunk
    assert first.starts == [(0, 0), (JSONL.index(b'{"id":"gid://shopify/Customer/2"'), 2)]
    assert (first.finished, first.lines, first.offset) == (False, 3, JSONL.index(b'{"id":"gid://shopify/Customer/3"'))
    second = bulk.read(shop, "https://files/op.jsonl", first.offset, limit=2)
    assert [customer["firstName"] for customer in second.customers] == ["Cy", "Di"]
    assert second.customers[0]["addressesV2"]["nodes"][0]["address1"] == "3 Way"
    assert second.orphans == 1  # Ben's, whose parent was in the chunk before
    assert (second.finished, second.offset) == (True, len(JSONL))


def test_a_server_that_ignores_range_is_skipped_forward(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(client, "READ_BYTES", 5)
    monkeypatch.setattr(client.urllib.request, "urlopen", lambda request, timeout: _Response(JSONL, 200))
    offset = JSONL.index(b'{"id":"gid://shopify/Customer/4"')
    lines = list(Client("kefi.myshopify.com", "t").lines("https://files/op.jsonl", offset))
    assert [json.loads(line)["firstName"] for line, _ in lines] == ["Di"]


def test_the_jsonl_read_is_retried_from_where_it_stopped(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str | None] = []

    class Broken(_Response):
        def read(self, size: int | None = -1) -> bytes:
            block = super().read(size)
            if self.tell() > 60:
                raise ConnectionResetError("reset")
            return block

    def urlopen(request: Any, timeout: float) -> _Response:
        ranged = request.get_header("Range")
        calls.append(ranged)
        start = int(ranged.removeprefix("bytes=").rstrip("-")) if ranged else 0
        return (Broken if not calls[:-1] else _Response)(JSONL[start:], 206 if ranged else 200)

    monkeypatch.setattr(client, "READ_BYTES", 10)
    monkeypatch.setattr(client.urllib.request, "urlopen", urlopen)
    clock = Clock()
    shop = Client("kefi.myshopify.com", "t", sleep=clock.sleep, monotonic=clock.monotonic)
    ids = [json.loads(line)["id"] for line, _ in shop.lines("https://files/op.jsonl")]
    assert len(ids) == 7
    assert len(set(ids)) == 7
    assert calls[0] is None
    assert calls[1] is not None
    assert len(calls) == 2


def test_node_ids_become_shopify_numbers() -> None:
    assert client.gid_number("gid://shopify/Customer/207119551") == "207119551"
    assert client.gid_number("207119551") == "207119551"

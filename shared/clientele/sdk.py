"""A Python client for the Clientele API.

    from clientele.sdk import Clientele

    client = Clientele(secret_key="sk_test_…", base_url="http://127.0.0.1:3000")
    consumer = client.consumers.create(email="john@example.com", full_name="John Doe")
    client.consumers.update(consumer.id, metadata={"tier": "vip"})
    order = client.orders.create(email="john@example.com", amount="49.90", currency="EUR", external_id="shop-1")
    client.orders.refund(order.id, amount="10.00")
    page = client.consumers.list(first=20, search="john", sort_by="createdAt", sort_dir="desc")
    for consumer in client.consumers.iterate(sort_by="email", status="active"):  # every page
        ...

Fields are given in Python style (`full_name`) or as the API spells them (`fullName`); `None`
clears a field on update. Every error is an `ApiError` carrying the API's status, code and message.
Standard library only, so it runs anywhere the `clientele` package does.
"""

from __future__ import annotations

import builtins
import json
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator, Mapping
from decimal import Decimal
from typing import Any

from pydantic.alias_generators import to_camel

from clientele.models import (
    Audience,
    AudiencePage,
    BalanceAdjustment,
    BalanceAdjustmentPage,
    Consumer,
    ConsumerPage,
    MembersChanged,
    Order,
    OrderPage,
    TimelinePage,
)

DEFAULT_BASE_URL = "http://127.0.0.1:3000"
RETRYABLE_STATUSES = frozenset({409, 429, 500, 502, 503, 504})


class ApiError(Exception):
    """An error answer of the API: `status` (HTTP), `type`, `code`, `message`, `details`, `request_id`."""

    def __init__(self, status: int, error: Mapping[str, Any]) -> None:
        self.status = status
        self.type = str(error.get("type", "api_error"))
        self.code = str(error.get("code", "unknown"))
        self.message = str(error.get("message", "Request failed"))
        self.details: list[dict[str, Any]] = list(error.get("details") or [])
        self.request_id = error.get("requestId")
        super().__init__(f"{status} {self.code}: {self.message}")


class Clientele:
    def __init__(
        self, secret_key: str, base_url: str = DEFAULT_BASE_URL, *, timeout: float = 30.0, max_retries: int = 2
    ) -> None:
        self._transport = _Transport(secret_key, base_url.rstrip("/"), timeout, max_retries)
        self.consumers = Consumers(self._transport)
        self.orders = Orders(self._transport)
        self.audiences = Audiences(self._transport)


def _wire(fields: Mapping[str, Any]) -> dict[str, Any]:
    """Python-style names to the API's camelCase; names already in camelCase pass through."""
    return {to_camel(name) if "_" in name else name: value for name, value in fields.items()}


class Consumers:
    def __init__(self, transport: _Transport) -> None:
        self._transport = transport

    def create(self, *, idempotency_key: str | None = None, **fields: Any) -> Consumer:
        body = self._transport.request("POST", "/consumers", body=_wire(fields), idempotency_key=idempotency_key)
        return Consumer.model_validate(body)

    def get(self, consumer_id: str) -> Consumer:
        return Consumer.model_validate(self._transport.request("GET", f"/consumers/{_segment(consumer_id)}"))

    def update(self, consumer_id: str, **fields: Any) -> Consumer:
        body = self._transport.request("PUT", f"/consumers/{_segment(consumer_id)}", body=_wire(fields))
        return Consumer.model_validate(body)

    def delete(self, consumer_id: str) -> Consumer:
        """Deletes the consumer and returns it as it was."""
        return Consumer.model_validate(self._transport.request("DELETE", f"/consumers/{_segment(consumer_id)}"))

    def list(self, **params: Any) -> ConsumerPage:
        """One page: first/after or last/before, sort_by/sort_dir, search and the filters
        (status, membership, tier, created_after, created_before, last_activity_after/_before)."""
        return ConsumerPage.model_validate(self._transport.request("GET", "/consumers", query=_query(params)))

    def iterate(self, **params: Any) -> Iterator[Consumer]:
        """Every consumer the list would show, page after page (the seed's `while (pageInfo.endCursor)`)."""
        params = {"first": 100, **params}
        while True:
            page = self.list(**params)
            yield from page.data
            if page.page_info.end_cursor is None:
                return
            params["after"] = page.page_info.end_cursor

    def search(self, q: str | None = None, **params: Any) -> ConsumerPage:
        """Exact `email`, `phone` or `external_id` (read-after-write), or the free-text `q`."""
        query = _query({"q": q, **params})
        return ConsumerPage.model_validate(self._transport.request("GET", "/consumers/search", query=query))

    def batch_create(
        self, consumers: builtins.list[Mapping[str, Any]], *, idempotency_key: str | None = None
    ) -> builtins.list[Consumer]:
        body = [_wire(item) for item in consumers]
        answer = self._transport.request("POST", "/consumers/batch", body=body, idempotency_key=idempotency_key)
        return [Consumer.model_validate(item) for item in answer]

    def batch_update(self, updates: builtins.list[Mapping[str, Any]]) -> builtins.list[Consumer]:
        """Each update is `{"id": …, <fields to change>}`."""
        answer = self._transport.request("PUT", "/consumers/batch", body=[_wire(item) for item in updates])
        return [Consumer.model_validate(item) for item in answer]

    def adjust_balance(
        self, consumer_id: str, amount: Decimal | int | str, reason: str, *, currency: str | None = None
    ) -> BalanceAdjustment:
        """Credits (amount > 0) or debits (< 0) the stored balance; it never goes below zero."""
        body = {"amount": amount, "reason": reason, **({"currency": currency} if currency else {})}
        path = f"/consumers/{_segment(consumer_id)}/balance-adjustments"
        return BalanceAdjustment.model_validate(self._transport.request("POST", path, body=body))

    def balance_history(self, consumer_id: str, **params: Any) -> BalanceAdjustmentPage:
        path = f"/consumers/{_segment(consumer_id)}/balance-adjustments"
        return BalanceAdjustmentPage.model_validate(self._transport.request("GET", path, query=_query(params)))

    def timeline(self, consumer_id: str, **params: Any) -> TimelinePage:
        """Orders, refunds, points, balance, status and membership changes, audiences: newest first."""
        path = f"/consumers/{_segment(consumer_id)}/timeline"
        return TimelinePage.model_validate(self._transport.request("GET", path, query=_query(params)))

    def bulk_status(self, consumer_ids: builtins.list[str], status: str) -> builtins.list[Consumer]:
        """Sets one status on up to 500 consumers, all or none."""
        body = {"consumerIds": consumer_ids, "status": status}
        return [
            Consumer.model_validate(item)
            for item in self._transport.request("POST", "/consumers/bulk-status", body=body)
        ]


class Audiences:
    def __init__(self, transport: _Transport) -> None:
        self._transport = transport

    def create(self, name: str, description: str | None = None) -> Audience:
        body = {"name": name, **({"description": description} if description is not None else {})}
        return Audience.model_validate(self._transport.request("POST", "/audiences", body=body))

    def get(self, audience_id: str) -> Audience:
        return Audience.model_validate(self._transport.request("GET", f"/audiences/{_segment(audience_id)}"))

    def update(self, audience_id: str, **fields: Any) -> Audience:
        body = self._transport.request("PUT", f"/audiences/{_segment(audience_id)}", body=_wire(fields))
        return Audience.model_validate(body)

    def delete(self, audience_id: str) -> Audience:
        return Audience.model_validate(self._transport.request("DELETE", f"/audiences/{_segment(audience_id)}"))

    def list(self, **params: Any) -> AudiencePage:
        return AudiencePage.model_validate(self._transport.request("GET", "/audiences", query=_query(params)))

    def add_members(self, audience_id: str, consumer_ids: builtins.list[str]) -> MembersChanged:
        path = f"/audiences/{_segment(audience_id)}/members"
        return MembersChanged.model_validate(self._transport.request("POST", path, body={"consumerIds": consumer_ids}))

    def remove_members(self, audience_id: str, consumer_ids: builtins.list[str]) -> MembersChanged:
        path = f"/audiences/{_segment(audience_id)}/members"
        return MembersChanged.model_validate(
            self._transport.request("DELETE", path, body={"consumerIds": consumer_ids})
        )

    def members(self, audience_id: str, **params: Any) -> ConsumerPage:
        path = f"/audiences/{_segment(audience_id)}/members"
        return ConsumerPage.model_validate(self._transport.request("GET", path, query=_query(params)))


class Orders:
    def __init__(self, transport: _Transport) -> None:
        self._transport = transport

    def create(self, *, idempotency_key: str | None = None, **fields: Any) -> Order:
        """Names the consumer by consumer_id, email or consumer_external_id; re-sending an order with
        the same external_id returns the first one."""
        body = self._transport.request("POST", "/orders", body=_wire(fields), idempotency_key=idempotency_key)
        return Order.model_validate(body)

    def get(self, order_id: str) -> Order:
        return Order.model_validate(self._transport.request("GET", f"/orders/{_segment(order_id)}"))

    def refund(self, order_id: str, amount: Decimal | int | str | None = None, reason: str | None = None) -> Order:
        """Refunds `amount` of what was paid; without one, all that is left."""
        body = {name: value for name, value in (("amount", amount), ("reason", reason)) if value is not None}
        return Order.model_validate(self._transport.request("POST", f"/orders/{_segment(order_id)}/refunds", body=body))

    def list(self, consumer_id: str, **params: Any) -> OrderPage:
        """One page of the consumer's orders, newest first."""
        path = f"/consumers/{_segment(consumer_id)}/orders"
        return OrderPage.model_validate(self._transport.request("GET", path, query=_query(params)))


def _query(params: Mapping[str, Any]) -> dict[str, str]:
    """Query parameters in the API's spelling; datetimes as ISO 8601; None leaves a parameter out."""
    query = {}
    for name, value in _wire(params).items():
        if value is None:
            continue
        query[name] = value.isoformat() if hasattr(value, "isoformat") else str(value)
    return query


def _exact(value: Any) -> str:
    """Decimals travel as strings, so that no amount passes through a float."""
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def _segment(value: str) -> str:
    return urllib.parse.quote(value, safe="")


class _Transport:
    def __init__(self, secret_key: str, base_url: str, timeout: float, max_retries: int) -> None:
        self.secret_key = secret_key
        self.base_url = base_url
        self.timeout = timeout
        self.max_retries = max_retries

    def request(
        self,
        method: str,
        path: str,
        *,
        body: Any = None,
        idempotency_key: str | None = None,
        query: Mapping[str, str] | None = None,
    ) -> Any:
        headers = {"Authorization": f"Bearer {self.secret_key}", "Accept": "application/json"}
        data = None
        if body is not None:
            data = json.dumps(body, default=_exact).encode()
            headers["Content-Type"] = "application/json"
        if method == "POST":
            # Retrying a POST is safe only under one key: the server then creates at most once.
            headers["Idempotency-Key"] = idempotency_key or str(uuid.uuid4())
        url = f"{self.base_url}/api/v1{path}" + (f"?{urllib.parse.urlencode(query)}" if query else "")
        for attempt in range(self.max_retries + 1):
            request = urllib.request.Request(url, data=data, headers=headers, method=method)  # noqa: S310
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                    return json.loads(response.read() or b"null")
            except urllib.error.HTTPError as http_error:
                error = ApiError(http_error.code, _error_of(http_error))
                if not _worth_retrying(error) or attempt == self.max_retries:
                    raise error from None
            except (urllib.error.URLError, TimeoutError):
                if attempt == self.max_retries:
                    raise
            time.sleep(min(0.25 * 2**attempt, 4.0))
        raise AssertionError("unreachable")


def _error_of(http_error: urllib.error.HTTPError) -> dict[str, Any]:
    try:
        return dict(json.loads(http_error.read())["error"])
    except (ValueError, KeyError, TypeError):
        return {"message": http_error.reason or "Request failed"}


def _worth_retrying(error: ApiError) -> bool:
    # 409s are retried only while an identical request is still running; other conflicts are answers.
    if error.status == 409:
        return error.code == "idempotency_in_progress"
    return error.status in RETRYABLE_STATUSES

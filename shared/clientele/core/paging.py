"""Pages and cursors for every list of the API: `first`/`after` forwards, `last`/`before` backwards.

A cursor is `base64(position).HMAC` under the cursor secret, bound to a fingerprint of the tenant and
of everything that decides the list's rows and order, so it cannot be edited or used on another list.
`pageInfo.endCursor` is null when there is no next page, `startCursor` when there is no previous one.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Callable
from typing import Any, NamedTuple

from clientele.core import settings
from clientele.core.errors import InvalidCursor, ValidationFailed
from clientele.core.store.pages import Page, Position, Source, read_page
from clientele.core.tenancy import Tenant

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100

Item = dict[str, Any]


class PageRequest(NamedTuple):
    first: int | None = None
    last: int | None = None
    after: str | None = None
    before: str | None = None


def invalid(field_name: str, message: str) -> ValidationFailed:
    return ValidationFailed(details=[{"field": field_name, "message": message}])


# ---------------------------------------------------------------- cursors


def fingerprint(tenant: Tenant, signature: dict[str, Any]) -> str:
    """What a cursor is bound to: the tenant and everything that decides the order and the rows."""
    material = json.dumps([tenant.key_prefix, signature], sort_keys=True, default=str)
    return hashlib.sha256(material.encode()).hexdigest()[:16]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def encode_cursor(fingerprint: str, position: Position) -> str:
    payload = json.dumps({"f": fingerprint, "s": position.segment, "k": position.key}, separators=(",", ":"))
    signature = hmac.new(settings.cursor_key(), payload.encode(), hashlib.sha256).digest()[:16]
    return f"{_b64(payload.encode())}.{_b64(signature)}"


def decode_cursor(cursor: str, fingerprint: str, field_name: str) -> Position:
    """The position a cursor marks; 400 unless this service made it for this very list."""
    try:
        payload_text, signature_text = cursor.split(".")
        payload = _unb64(payload_text)
        expected = hmac.new(settings.cursor_key(), payload, hashlib.sha256).digest()[:16]
        if not hmac.compare_digest(expected, _unb64(signature_text)):
            raise ValueError("signature")
        fields = json.loads(payload)
        position = Position(segment=int(fields["s"]), key=str(fields["k"]))
        same_list = fields["f"] == fingerprint
    except (ValueError, KeyError, TypeError):
        raise InvalidCursor(details=[{"field": field_name, "message": "is not a cursor this API handed out"}]) from None
    if not same_list:
        message = "belongs to another list: keep sortBy, sortDir, filters and search as they were"
        raise InvalidCursor(details=[{"field": field_name, "message": message}])
    return position


# ---------------------------------------------------------------- pages


def _page_size(value: int | None, field_name: str) -> int:
    if value is None:
        return DEFAULT_PAGE_SIZE
    if not 1 <= value <= MAX_PAGE_SIZE:
        raise invalid(field_name, f"must be between 1 and {MAX_PAGE_SIZE}")
    return value


def check(request: PageRequest) -> None:
    """The paging parameters make sense together (400 before anything is read)."""
    if request.first is not None and request.last is not None:
        raise invalid("last", "give first or last, not both")
    if request.after is not None and request.before is not None:
        raise invalid("before", "give after or before, not both")
    if request.last is not None and request.after is not None:
        raise invalid("last", "last pages backwards: use it with before")
    if request.first is not None and request.before is not None:
        raise invalid("first", "first pages forwards: use it with after, or last with before")
    backwards = request.last is not None or request.before is not None
    _page_size(request.last if backwards else request.first, "last" if backwards else "first")


class _Asked(NamedTuple):
    """What a checked page request asks, its cursor decoded against the list's fingerprint."""

    fingerprint: str
    backwards: bool
    size: int  # of the page
    cursor: str | None
    start: Position | None


def _asked(tenant: Tenant, signature: dict[str, Any], request: PageRequest) -> _Asked:
    bound_to = fingerprint(tenant, signature)
    backwards = request.last is not None or request.before is not None
    count = _page_size(request.last if backwards else request.first, "last" if backwards else "first")
    cursor = request.before if backwards else request.after
    start = decode_cursor(cursor, bound_to, "before" if backwards else "after") if cursor else None
    return _Asked(bound_to, backwards, count, cursor, start)


def paged(
    tenant: Tenant,
    source: Source,
    signature: dict[str, Any],
    request: PageRequest,
    render: Callable[[list[Item]], list[dict[str, Any]]],
    owner: Callable[[], object] | None = None,
) -> dict[str, Any]:
    """`{data, pageInfo}`: one page of `source` as `request` asks, its items turned into `data` by `render`.

    `owner` reads what the list belongs to (a consumer), raising its 404 if it does not exist: a
    deleted consumer's history may stay for the books, but it is not served.
    """
    check(request)
    if owner is not None:
        owner()
    bound_to, backwards, count, cursor, start = _asked(tenant, signature, request)
    if backwards:
        source = source.reversed()
        if start is not None:  # segments are numbered in the forward order
            start = Position(len(source.segments) - 1 - start.segment, start.key)
    page = read_page(source, count, start)
    if backwards:
        forward = lambda p: Position(len(source.segments) - 1 - p.segment, p.key)  # noqa: E731
        page.positions = [forward(p) for p in page.positions]
        page.resume = forward(page.resume) if page.resume else None
    return _respond(page, bound_to, backwards, cursor is not None, render)


def paged_rows(
    tenant: Tenant,
    rows: list[tuple[str, Item]],
    follows: Callable[[str, str], bool],
    signature: dict[str, Any],
    request: PageRequest,
    render: Callable[[list[Item]], list[dict[str, Any]]],
) -> dict[str, Any]:
    """`paged` for rows read whole and ordered in memory (a search sorted by another field): `rows`
    are (key, item) in the list's order, `follows(key, mark)` says whether a row comes after a mark,
    and a cursor is the key of the row it ends on."""
    check(request)
    bound_to, backwards, count, cursor, start = _asked(tenant, signature, request)
    mark = start.key if start else None
    if backwards:  # nearest first, as a page read backwards comes
        chosen = [row for row in reversed(rows) if mark is None or follows(mark, row[0])][: count + 1]
    else:
        chosen = [row for row in rows if mark is None or follows(row[0], mark)][: count + 1]
    page = Page()
    page.more = len(chosen) > count
    page.items = [item for _, item in chosen[:count]]
    page.positions = [Position(0, key) for key, _ in chosen[:count]]
    return _respond(page, bound_to, backwards, cursor is not None, render)


def _respond(
    page: Page, fingerprint: str, backwards: bool, came_from_cursor: bool, render: Callable[[list[Item]], list[Any]]
) -> dict[str, Any]:
    items, positions = page.items, page.positions
    if backwards:
        items, positions = items[::-1], positions[::-1]
    has_next = came_from_cursor if backwards else page.more
    has_previous = page.more if backwards else came_from_cursor
    first, last = (positions[0], positions[-1]) if positions else (None, None)
    if page.resume is not None:  # the page stopped at its read budget: the next one goes on from there
        first, last = (page.resume, last) if backwards else (first, page.resume)
    return {
        "data": render(items),
        "pageInfo": {
            "startCursor": encode_cursor(fingerprint, first) if has_previous and first else None,
            "endCursor": encode_cursor(fingerprint, last) if has_next and last else None,
            "hasNextPage": has_next,
            "hasPreviousPage": has_previous,
        },
    }

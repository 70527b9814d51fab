"""Listing and searching a tenant's consumers: which index answers a request, and its pages and cursors.

Every request becomes one Source (core/store/pages.py) on a key built for it:
  sort by createdAt, no equality filter   gsi1, createdAt range in the key condition
  sort by createdAt, status/membership/tier   that filter's index, createdAt range in the key
  sort by createdAt, audienceId           the audience's member copies, createdAt range in the key
  any other sortBy                        its KEYS_ONLY index, + BatchGetItem for the page
  search / q                              the search entries of the most selective word
  exact email / externalId / phone        the uniqueness item or the phone entries (consistent)
Filters the chosen key cannot answer ride along as a FilterExpression on attributes the index
projects; what no entry holds (verified and audience on the sort indexes and search entries,
lastActivityAt on search entries) is a test on the fetched consumers.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any, NamedTuple

from clientele.audiences import store as audience_store
from clientele.audiences.service import get_audience
from clientele.consumers import search, search_index, store
from clientele.consumers.models import SortBy
from clientele.consumers.relations import ON_A_LIST, relations, with_relations
from clientele.consumers.service import ID_PREFIX
from clientele.core import clock, normalize
from clientele.core.paging import PageRequest, invalid, paged
from clientele.core.store.pages import HIGHEST, Segment, Source
from clientele.core.tenancy import Tenant

SORT_FIELDS = tuple(str(sort_by) for sort_by in SortBy)
SORT_DIRECTIONS = ("asc", "desc")
EQUALITY_FILTERS = tuple(store.FILTER_INDEXES)  # status, membership, tier
COPY_ATTRIBUTES = {"status": "status", "membership": "membership", "tier": "loyalty.tier"}  # on member copies


class ListRequest(NamedTuple):
    """`GET /consumers` (and the free-text part of `/consumers/search`), already type-checked."""

    first: int | None = None
    last: int | None = None
    after: str | None = None
    before: str | None = None
    sort_by: str = "createdAt"
    sort_dir: str = "desc"
    search: str | None = None
    created_after: datetime | None = None
    created_before: datetime | None = None
    last_activity_after: datetime | None = None
    last_activity_before: datetime | None = None
    equals: Mapping[str, str] = MappingProxyType({})  # status / membership / tier
    verified: bool | None = None
    audience_id: str | None = None
    include: str | None = None


class ExactRequest(NamedTuple):
    """The exact lookups of `/consumers/search`; read-after-write."""

    email: str | None = None
    phone: str | None = None
    external_id: str | None = None
    q: str | None = None
    first: int | None = None
    after: str | None = None
    include: str | None = None


def _instant(moment: datetime | None) -> str | None:
    """Any ISO 8601 instant as the stored format; one without an offset is taken as UTC."""
    if moment is None:
        return None
    return clock.format_instant(moment if moment.tzinfo else moment.replace(tzinfo=UTC))


# ---------------------------------------------------------------- choosing the index


class _Conditions:
    """A FilterExpression built up one condition at a time."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.names: dict[str, str] = {}
        self.values: dict[str, Any] = {}

    def add(self, attribute: str, operator: str, value: Any) -> None:
        """`attribute` may be a path into a map (`loyalty.tier`)."""
        number = len(self.parts)
        path = [f"#f{number}_{depth}" for depth in range(attribute.count(".") + 1)]
        self.parts.append(f"{'.'.join(path)} {operator} :f{number}")
        self.names.update(zip(path, attribute.split("."), strict=True))
        self.values[f":f{number}"] = value

    def add_equals(self, equals: dict[str, str]) -> None:
        for name, key in equals.items():
            self.add(store.FILTER_INDEXES[name][1], "=", key)

    def add_range(self, attribute: str, bounds: tuple[str | None, str | None]) -> None:
        """after includes its instant, before excludes it: adjacent ranges never overlap."""
        if bounds[0]:
            self.add(attribute, ">=", bounds[0])
        if bounds[1]:
            self.add(attribute, "<", bounds[1])

    def source(self, **fields: Any) -> Source:
        return Source(
            filter_expression=" AND ".join(self.parts) or None,
            filter_names=self.names,
            filter_values=self.values,
            **fields,
        )


def _between(activity: tuple[str | None, str | None], item: dict[str, Any]) -> bool:
    after, before = activity
    value = item.get("lastActivityAt")
    return value is not None and (after is None or value >= after) and (before is None or value < before)


def _fetcher(tenant: Tenant, id_of: Callable[[dict[str, Any]], str], *, consistent: bool) -> Any:
    return lambda entries: store.items_of(tenant, [id_of(entry) for entry in entries], consistent=consistent)


def _all(tests: list[Callable[[dict[str, Any]], bool]]) -> Callable[[dict[str, Any]], bool] | None:
    return (lambda item: all(test(item) for test in tests)) if tests else None


def _list_source(tenant: Tenant, request: ListRequest) -> Source:
    created = (_instant(request.created_after), _instant(request.created_before))
    activity = (_instant(request.last_activity_after), _instant(request.last_activity_before))
    conditions = _Conditions()
    equals = {name: store.ConsumerRecord.filter_key(tenant, name, value) for name, value in request.equals.items()}
    forward = request.sort_dir == "asc"
    audience_id, verified = request.audience_id, request.verified
    # Tests on the fetched consumers, for what the entries read cannot answer.
    item_tests: list[Callable[[dict[str, Any]], bool]] = []
    if verified is not None:
        item_tests.append(lambda item: item.get("verified") is verified)
    if audience_id is not None:
        item_tests.append(lambda item: audience_id in (item.get("audienceIds") or []))

    if request.search is not None:
        terms = _search_terms(request.search, "search")
        conditions.add_equals(equals)
        conditions.add_range("createdAt", created)
        if any(activity):
            item_tests.append(lambda item: _between(activity, item))
        primary = terms[0]
        return conditions.source(
            index_name=None,
            hash_attribute="pk",
            hash_value=search_index.SearchEntry.partition(tenant, primary),
            range_attribute="sk",
            segments=(Segment(primary, primary + HIGHEST, True),),
            keep_entry=lambda entry: _first_appearance(entry, terms),
            fetch=_fetcher(tenant, lambda entry: entry["consumerId"], consistent=False),
            keep_item=_all(item_tests),
        )

    if request.sort_by == "createdAt" and audience_id is not None:
        # The audience's member copies: whole consumers in createdAt order, createdAt in the key.
        for name, value in request.equals.items():
            conditions.add(COPY_ATTRIBUTES[name], "=", value)
        if verified is not None:
            conditions.add("verified", "=", verified)
        conditions.add_range("lastActivityAt", activity)
        prefix = audience_store.AudienceMember.PREFIX
        return conditions.source(
            index_name=None,
            hash_attribute="pk",
            hash_value=audience_store.AudienceMember.partition(tenant, audience_id),
            range_attribute="sk",
            segments=(Segment(prefix + (created[0] or "0"), prefix + (created[1] or "9"), forward),),
        )

    if request.sort_by == "createdAt":
        # Newest/oldest first: gsi1, or the index of an equality filter (both hold whole items).
        index, hash_attribute, hash_value = "gsi1", "gsi1pk", store.ConsumerRecord.list_key(tenant)
        if equals:
            name = next(iter(equals))
            index, hash_attribute = store.FILTER_INDEXES[name]
            hash_value = equals.pop(name)
        conditions.add_equals(equals)
        conditions.add_range("lastActivityAt", activity)
        if verified is not None:  # these indexes hold whole items
            conditions.add("verified", "=", verified)
        low, high = created[0] or "0", created[1] or "9"
        return conditions.source(
            index_name=index,
            hash_attribute=hash_attribute,
            hash_value=hash_value,
            range_attribute="gsi1sk",
            segments=(Segment(low, high, forward),),
        )

    sort = store.SORT_INDEXES[request.sort_by]
    conditions.add_equals(equals)
    conditions.add_range("createdAt", created)
    if sort.sort_by == "lastActivityAt" and any(activity):
        # The range is the index's own key: only the matching stretch is read.
        low, high = store.instant_key(activity[0]) or "", store.instant_key(activity[1]) or HIGHEST
        segments: tuple[Segment, ...] = (Segment(store.PRESENT + low, store.PRESENT + high, forward),)
    else:
        conditions.add_range("lastActivityAt", activity)
        values = Segment(store.PRESENT, store.PRESENT + HIGHEST, forward)
        nulls = Segment(store.ABSENT, store.ABSENT + HIGHEST, forward)
        if not sort.nullable:
            segments = (values,)
        elif forward:
            segments = (values, nulls)  # nulls last going up: wrap round to them
        else:
            segments = (Segment(store.ABSENT, store.PRESENT + HIGHEST, False),)  # going down they come last
    return conditions.source(
        index_name=sort.index_name,
        hash_attribute="gsi1pk",
        hash_value=store.ConsumerRecord.list_key(tenant),
        range_attribute=sort.attribute,
        segments=segments,
        fetch=_fetcher(tenant, store.ConsumerRecord.id_of, consistent=False),
        keep_item=_all(item_tests),
    )


def _search_terms(query: str, field_name: str) -> list[str]:
    try:
        return search.terms(query)
    except ValueError as error:
        raise invalid(field_name, str(error)) from None


def _first_appearance(entry: dict[str, Any], terms: list[str]) -> bool:
    """A consumer with several matching words has an entry for each: keep only its first, so it
    appears once, and only if every other word of the query matches too."""
    words = set(entry["words"])
    word = entry["sk"].split(store.SEPARATOR, 1)[0]
    return search.first_match(words, terms[0]) == word and search.matches(words, terms[1:])


def _consumer_page(
    tenant: Tenant, source: Source, signature: dict[str, Any], page: PageRequest, include: str | None
) -> dict[str, Any]:
    relations(include, ON_A_LIST)  # a bad include is 400 before anything is read

    def render(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return with_relations(tenant, [store.ConsumerRecord.from_item(item) for item in items], include, ON_A_LIST)

    return paged(tenant, source, signature, page, render)


def _ordered(after: datetime | None, before: datetime | None, names: tuple[str, str]) -> None:
    low, high = _instant(after), _instant(before)
    if low is not None and high is not None and low >= high:
        raise invalid(names[1], f"must be later than {names[0]}")


def list_consumers(tenant: Tenant, request: ListRequest) -> dict[str, Any]:
    source, signature = consumer_source(tenant, request)
    page = PageRequest(request.first, request.last, request.after, request.before)
    return _consumer_page(tenant, source, signature, page, request.include)


def consumer_source(tenant: Tenant, request: ListRequest) -> tuple[Source, dict[str, Any]]:
    """The checked request's source, and the signature its cursors are bound to: the one access
    path of the list, shared by the consumer export."""
    _ordered(request.created_after, request.created_before, ("createdAfter", "createdBefore"))
    _ordered(request.last_activity_after, request.last_activity_before, ("lastActivityAfter", "lastActivityBefore"))
    if request.sort_by not in SORT_FIELDS:
        raise invalid("sortBy", f"must be one of {', '.join(SORT_FIELDS)}")
    if request.sort_dir not in SORT_DIRECTIONS:
        raise invalid("sortDir", "must be asc or desc")
    if request.search is not None and (request.sort_by, request.sort_dir) != ("createdAt", "desc"):
        message = "search results are ordered by the matching word, newest first; sortBy cannot change that"
        raise invalid("sortBy", message)
    if request.audience_id is not None:
        get_audience(tenant, request.audience_id, field="audienceId")  # 404 for one that does not exist
    source = _list_source(tenant, request)
    signature = {
        "sort": [request.sort_by, request.sort_dir],
        "search": request.search,
        "created": [_instant(request.created_after), _instant(request.created_before)],
        "activity": [_instant(request.last_activity_after), _instant(request.last_activity_before)],
        "equals": request.equals,
        "verified": request.verified,
        "audience": request.audience_id,
    }
    return source, signature


def search_consumers(tenant: Tenant, request: ExactRequest) -> dict[str, Any]:
    """`/consumers/search`: exact email, phone or externalId (read-after-write), else `q`."""
    exact = _exact_lookups(request)
    if not exact:
        if request.q is None:
            raise invalid("q", "give q (at least 2 characters), email, phone or externalId")
        _search_terms(request.q, "q")
        return list_consumers(
            tenant, ListRequest(first=request.first, after=request.after, search=request.q, include=request.include)
        )
    terms = _search_terms(request.q, "q") if request.q is not None else None
    (kind, value), *others = exact.items()

    def keep_item(item: dict[str, Any]) -> bool:
        consumer = store.ConsumerRecord.from_item(item)
        held = {"email": consumer.email and normalize.email_identity(consumer.email)}
        held |= {"phone": consumer.phone, "externalId": consumer.external_id}
        return all(held[name] == wanted for name, wanted in others) and (
            terms is None or search.matches(search.words(consumer), terms)
        )

    if kind == "phone":
        hash_value, segment = store.PhoneEntry.partition(tenant, value), Segment(ID_PREFIX, ID_PREFIX + HIGHEST, True)
        id_of: Callable[[dict[str, Any]], str] = lambda entry: entry["sk"]  # noqa: E731
    else:
        key = store.UniqueValue.key(tenant, "EMAIL" if kind == "email" else "EXTERNALID", value)
        hash_value, segment = key["pk"], Segment(key["sk"], key["sk"], True)
        id_of = lambda entry: entry["consumerId"]  # noqa: E731
    source = Source(
        index_name=None,
        hash_attribute="pk",
        hash_value=hash_value,
        range_attribute="sk",
        segments=(segment,),
        consistent=True,
        fetch=_fetcher(tenant, id_of, consistent=True),
        keep_item=keep_item if others or terms else None,
    )
    signature = {"exact": exact, "q": request.q}
    return _consumer_page(
        tenant, source, signature, PageRequest(first=request.first, after=request.after), request.include
    )


def _exact_lookups(request: ExactRequest) -> dict[str, str]:
    """{field: normalized value} of the exact lookups asked for, most selective first."""
    exact: dict[str, str] = {}
    if request.email is not None:
        try:
            exact["email"] = normalize.email_identity(normalize.email(request.email))
        except ValueError as error:
            raise invalid("email", str(error)) from None
    if request.external_id is not None:
        exact["externalId"] = request.external_id.strip()
    if request.phone is not None:
        try:
            exact["phone"] = normalize.phone(request.phone)
        except ValueError as error:
            raise invalid("phone", str(error)) from None
    return exact

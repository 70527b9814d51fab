"""Listing and searching a tenant's consumers: which index answers a request, and its pages and cursors.

Every request becomes one Source (core/store/pages.py) on a key built for it:
  sort by createdAt, no equality filter   gsi1, createdAt range in the key condition
  sort by createdAt, status/membership/tier   that filter's index, createdAt range in the key
  sort by createdAt, audienceId           the audience's member copies, createdAt range in the key
  any other sortBy                        its KEYS_ONLY index, + BatchGetItem for the page
  search / q                              the search entries of the most selective word
  exact email / externalId / shopifyId / phone   the claim item or the phone entries (consistent)
Filters the chosen key cannot answer ride along as a FilterExpression on attributes the index
projects; what no entry holds (verified, source, consent and audience on the sort indexes and search entries,
lastActivityAt on search entries) is a test on the fetched consumers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any, NamedTuple

from clientele.audiences import store as audience_store
from clientele.audiences.service import get_audience
from clientele.consumers import search, search_index, store
from clientele.consumers.enums import ConsentState, SortBy
from clientele.consumers.relations import ON_A_LIST, relations, with_relations
from clientele.consumers.service import ID_PREFIX
from clientele.core import clock, normalize
from clientele.core.paging import PageRequest, check, invalid, paged, paged_rows
from clientele.core.store.pages import HIGHEST, MAX_SCANNED_PER_PAGE, Segment, Source, every_item, read_page
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
    sort_by: str | None = None  # None: the list's own order, createdAt, or for a search the matching word
    sort_dir: str | None = None  # None: desc
    search: str | None = None
    created_after: datetime | None = None
    created_before: datetime | None = None
    last_activity_after: datetime | None = None
    last_activity_before: datetime | None = None
    equals: Mapping[str, str] = MappingProxyType({})  # status / membership / tier
    verified: bool | None = None
    source: str | None = None  # the path consumers came in through (api, console, import, …)
    email_consent: str | None = None  # a ConsentState on the email channel
    sms_consent: str | None = None  # a ConsentState on the SMS channel
    audience_id: str | None = None
    include: str | None = None


class ExactRequest(NamedTuple):
    """The exact lookups of `/consumers/search`; read-after-write."""

    email: str | None = None
    phone: str | None = None
    external_id: str | None = None
    shopify_id: str | None = None  # a Shopify customer id (or its GID): the claim clientele.shopify keeps
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

    def add_whole_item(self, filters: dict[str, Any]) -> None:
        """Equalities on the whole item's attributes (`_whole_item_filters`); a consent state that
        consumers hold without storing it (never asked) matches those that store none."""
        for attribute, value in filters.items():
            self.add(attribute, "=", value)
            if value == ConsentState.NEVER_SUBSCRIBED:
                path = self.parts.pop()
                first = path.split(" ", 1)[0]
                self.parts.append(f"(attribute_not_exists({first}) OR {path})")

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


def _whole_item_filters(request: ListRequest) -> dict[str, Any]:
    """{attribute path: value} of the filters only a whole consumer item answers."""
    filters: dict[str, Any] = {
        "verified": request.verified,
        "source": request.source,
        "consent.email.state": request.email_consent,
        "consent.sms.state": request.sms_consent,
    }
    return {path: value for path, value in filters.items() if value is not None}


def _item_value(item: dict[str, Any], path: str) -> Any:
    """The value at `path` of a stored item (a consent state it stores none of is never_subscribed)."""
    value: Any = item
    for name in path.split("."):
        value = value.get(name) if isinstance(value, dict) else None
    if value is None and path.startswith("consent."):
        return ConsentState.NEVER_SUBSCRIBED
    return value


def _holds(path: str, value: Any) -> Callable[[dict[str, Any]], bool]:
    return lambda item: _item_value(item, path) == value


def _list_source(tenant: Tenant, request: ListRequest) -> Source:
    created = (_instant(request.created_after), _instant(request.created_before))
    activity = (_instant(request.last_activity_after), _instant(request.last_activity_before))
    conditions = _Conditions()
    equals = {name: store.ConsumerRecord.filter_key(tenant, name, value) for name, value in request.equals.items()}
    forward = request.sort_dir == "asc"
    audience_id, whole_item = request.audience_id, _whole_item_filters(request)
    # Tests on the fetched consumers, for what the entries read cannot answer.
    item_tests = [_holds(path, value) for path, value in whole_item.items()]
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
        conditions.add_whole_item(whole_item)
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
        conditions.add_whole_item(whole_item)  # these indexes hold whole items
        low, high = created[0] or "0", created[1] or "9"
        return conditions.source(
            index_name=index,
            hash_attribute=hash_attribute,
            hash_value=hash_value,
            range_attribute="gsi1sk",
            segments=(Segment(low, high, forward),),
        )

    sort = store.SORT_INDEXES[str(request.sort_by)]  # a checked request: settled unless a search
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


def _renderer(tenant: Tenant, include: str | None) -> Callable[[list[dict[str, Any]]], list[dict[str, Any]]]:
    """How a page's consumer items become its `data`; a bad include is 400 before anything is read."""
    relations(include, ON_A_LIST)

    def render(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return with_relations(tenant, [store.ConsumerRecord.from_item(item) for item in items], include, ON_A_LIST)

    return render


def _consumer_page(
    tenant: Tenant, source: Source, signature: dict[str, Any], page: PageRequest, include: str | None
) -> dict[str, Any]:
    return paged(tenant, source, signature, page, _renderer(tenant, include))


def _ordered(after: datetime | None, before: datetime | None, names: tuple[str, str]) -> None:
    low, high = _instant(after), _instant(before)
    if low is not None and high is not None and low >= high:
        raise invalid(names[1], f"must be later than {names[0]}")


def list_consumers(tenant: Tenant, request: ListRequest) -> dict[str, Any]:
    request, signature = checked(tenant, request)
    page = PageRequest(request.first, request.last, request.after, request.before)
    if sorted_search(request):
        render = _renderer(tenant, request.include)
        check(page)  # bad paging is 400 before the search is read whole
        follows = _follows(descending=request.sort_dir == "desc")
        return paged_rows(tenant, _sorted_matches(tenant, request), follows, signature, page, render)
    return _consumer_page(tenant, _list_source(tenant, request), signature, page, request.include)


def checked(tenant: Tenant, request: ListRequest) -> tuple[ListRequest, dict[str, Any]]:
    """The request with its order settled (400 for what cannot be), and the signature its cursors
    are bound to. A search keeps the matching word's order (sort_by None) unless sortBy or sortDir
    is given; every other list is in createdAt order, newest first, unless they say otherwise."""
    _ordered(request.created_after, request.created_before, ("createdAfter", "createdBefore"))
    _ordered(request.last_activity_after, request.last_activity_before, ("lastActivityAfter", "lastActivityBefore"))
    if request.sort_by is not None and request.sort_by not in SORT_FIELDS:
        raise invalid("sortBy", f"must be one of {', '.join(SORT_FIELDS)}")
    if request.sort_dir is not None and request.sort_dir not in SORT_DIRECTIONS:
        raise invalid("sortDir", "must be asc or desc")
    if request.search is not None:
        _search_terms(request.search, "search")
    if request.search is None or request.sort_by is not None or request.sort_dir is not None:
        request = request._replace(sort_by=request.sort_by or "createdAt", sort_dir=request.sort_dir or "desc")
    if request.audience_id is not None:
        get_audience(tenant, request.audience_id, field="audienceId")  # 404 for one that does not exist
    # A sorted search's cursors hold a sort key, the matching word's order's a search entry's: "whole"
    # keeps one from being taken for the other (before sorted searches, sortBy went with search too).
    sort = [request.sort_by, request.sort_dir, *(["whole"] if sorted_search(request) else [])]
    signature = {
        "sort": sort,
        "search": request.search,
        "created": [_instant(request.created_after), _instant(request.created_before)],
        "activity": [_instant(request.last_activity_after), _instant(request.last_activity_before)],
        "equals": dict(request.equals),
        "verified": request.verified,
        "audience": request.audience_id,
        # only when given, so that cursors made before the filter existed still hold
        **({"source": request.source} if request.source is not None else {}),
        **({"emailConsent": request.email_consent} if request.email_consent is not None else {}),
        **({"smsConsent": request.sms_consent} if request.sms_consent is not None else {}),
    }
    return request, signature


def sorted_search(request: ListRequest) -> bool:
    """A checked request for a search in another order than the matching word's."""
    return request.search is not None and request.sort_by is not None


def consumer_items(tenant: Tenant, request: ListRequest) -> Iterator[dict[str, Any]]:
    """Every consumer the list selects, in its order, a page at a time (a sorted search: read whole
    first); `request` checked. The export's rows and the Klaviyo resync's consumers."""
    if sorted_search(request):
        yield from (item for _, item in _sorted_matches(tenant, request))
    else:
        yield from every_item(_list_source(tenant, request))


def refuse_unsortable(tenant: Tenant, request: ListRequest) -> None:
    """400 now for a checked request that could not be served whole (a sorted search with too many
    matches): what an export job checks before it is queued."""
    if sorted_search(request):
        _sorted_matches(tenant, request)


# ---------------------------------------------------------------- a search in another order


MAX_SORTED_MATCHES = 1000  # a search in another order than the matching word's sorts at most this many


def _sorted_matches(tenant: Tenant, request: ListRequest) -> list[tuple[str, dict[str, Any]]]:
    """(sort key, item) of every consumer the search and filters match, in sortBy/sortDir order with
    nulls last and ties by id. The matches are read whole (the search's entries, then the items) and
    sorted here: no index orders a word's matches by another field. At most MAX_SORTED_MATCHES, and
    at most one page's read budget of entries; past either it is a 400 asking to narrow the search."""
    page = read_page(_list_source(tenant, request._replace(sort_by=None)), MAX_SORTED_MATCHES)
    if page.more or page.resume is not None:
        too_many = (
            f"matches more than {MAX_SORTED_MATCHES} consumers"
            if page.more
            else f"needs more than {MAX_SCANNED_PER_PAGE} index entries read to find its matches"
        )
        message = (
            f"{too_many}, too many to sort by {request.sort_by}: narrow it (more letters, another word or a "
            "filter), or leave sortBy and sortDir out"
        )
        raise invalid("search", message)
    rows = [(_sort_key(request.sort_by, item), item) for item in page.items]
    rows.sort(key=lambda row: row[0], reverse=request.sort_dir == "desc")
    rows.sort(key=lambda row: row[0].startswith(store.ABSENT))  # stable: nulls last either way
    return rows


def _sort_key(sort_by: str | None, item: dict[str, Any]) -> str:
    """The item's key in the sort's index (`1<value><ulid>`, `0<ulid>` for null), as stored with it;
    derived for an item stored before its index existed (until `clientele reindex`)."""
    if sort_by == "createdAt":
        return store.PRESENT + str(item["gsi1sk"])
    index = store.SORT_INDEXES[str(sort_by)]
    stored = item.get(index.attribute)
    return str(stored) if stored is not None else index.key(store.ConsumerRecord.from_item(item))


def _follows(descending: bool) -> Callable[[str, str], bool]:
    """Whether the row keyed `key` comes after the row keyed `mark`: values in the sort's direction,
    then nulls (by id, in that direction too)."""

    def follows(key: str, mark: str) -> bool:
        null, mark_null = key.startswith(store.ABSENT), mark.startswith(store.ABSENT)
        if null != mark_null:
            return null
        return key < mark if descending else key > mark

    return follows


def search_consumers(tenant: Tenant, request: ExactRequest) -> dict[str, Any]:
    """`/consumers/search`: exact email, phone or externalId (read-after-write), else `q`."""
    exact = _exact_lookups(request)
    if not exact:
        if request.q is None:
            raise invalid("q", "give q (at least 2 characters), email, phone, externalId or shopifyId")
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
        key = store.UniqueValue.key(tenant, CLAIM_KINDS[kind], value)
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


# The claim items exact lookups read (consumers.store.UniqueValue; SHOPIFYID is clientele.shopify's).
CLAIM_KINDS = {"email": "EMAIL", "externalId": "EXTERNALID", "shopifyId": "SHOPIFYID"}
SHOPIFY_GID_PREFIX = "gid://shopify/Customer/"


def _exact_lookups(request: ExactRequest) -> dict[str, str]:
    """{field: normalized value} of the exact lookups asked for, most selective first."""
    exact: dict[str, str] = {}
    if request.shopify_id is not None:  # first: the consumer holds no Shopify id to test the others against
        shopify_id = request.shopify_id.strip().removeprefix(SHOPIFY_GID_PREFIX)
        if not shopify_id.isdigit() or len(shopify_id) > 20:
            raise invalid("shopifyId", "must be a Shopify customer id (digits, or gid://shopify/Customer/<id>)")
        exact["shopifyId"] = shopify_id
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

"""A stand-in for the slice of Klaviyo's REST API that the profile sync uses (standard library only).

    with KlaviyoStandin() as standin:
        klaviyo = KlaviyoAPI("pk_test", max_retries=0, test_host=standin.base_url)
        klaviyo.Profiles.create_or_update_profile({"data": {"type": "profile", "attributes": {"email": "a@b.co"}}})
        assert len(standin.profiles) == 1

Endpoints, with JSON:API documents in the shapes klaviyo-api 25.0.0 (API revision 2026-10-15) sends and parses:

    POST /api/profile-import                       upsert one profile: 201 created / 200 updated; 409
                                                   duplicate_profile if it names a profile by id and gives
                                                   it an identifier another profile holds
    POST /api/profile-bulk-import-jobs             bulk upsert (<= 10,000 profiles, optional lists): 202
    GET  /api/profile-bulk-import-jobs/{id}        the job, status "complete" with its counts
    POST /api/data-privacy-deletion-jobs           delete a profile by id, email or phone number: 202
    POST /api/profile-subscription-bulk-create-jobs  subscribe profiles (<= 1,000; by email / phone_number,
                                                   created if new) to email or SMS marketing, optionally into
                                                   a list; consented_at only with historical_import: 202
    POST /api/profile-subscription-bulk-delete-jobs  unsubscribe profiles from email or SMS marketing: 202
    POST /api/profile-merge                        merge one profile (relationships.profiles) into another
                                                   (data.id): the source's fields fill the destination's
                                                   empty ones, its list memberships move, it is deleted: 200
    POST /api/lists/{id}/relationships/profiles    add profiles (by id) to a list: 204
    GET  /api/lists/{id}/profiles                  a list's profiles, oldest member first: page[size] (default
                                                   20, 1-100), page[cursor], fields[profile]; links.next

Errors are JSON:API error documents ({"errors": [{"id", "status", "code", "title", "detail", "source"}]}),
which the SDK parses into `GetAccounts4XXResponse` and raises as `openapi_client.exceptions.ApiException`.
Tests put profiles in a list with `put_in_list`. Not modelled: reading single profiles, meta.patch_properties,
double opt-in, rate limits other than `fail()`.
"""

from __future__ import annotations

import copy
import functools
import json
import re
import secrets
import sys
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self
from urllib.parse import parse_qs, quote, unquote, urlsplit

type Json = dict[str, Any]

JSONAPI = "application/vnd.api+json"
MAX_BULK_PROFILES = 10_000  # Klaviyo's limit per bulk import job
MAX_LIST_PROFILES = 1_000  # Klaviyo's limit per add-profiles-to-list request
MAX_SUBSCRIPTION_PROFILES = 1_000  # and per subscribe or unsubscribe job
CHANNEL_IDENTIFIERS = {"email": "email", "sms": "phone_number"}
IDENTIFIERS = ("email", "phone_number", "external_id")  # upsert match order
# The profile attributes Klaviyo answers with; unset ones come back as null, as Klaviyo does.
PROFILE_FIELDS = (*IDENTIFIERS, "first_name", "last_name", "organization", "locale", "title", "image")
MERGED_FIELDS = ("location", "properties")  # objects updated key by key, not replaced
_E164 = re.compile(r"\+[1-9]\d{1,14}")
_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

_BULK_JOBS = re.compile(r"/api/profile-bulk-import-jobs/([^/]+)")
_LIST_PROFILES = re.compile(r"/api/lists/([^/]+)/relationships/profiles")
_LIST_MEMBERS = re.compile(r"/api/lists/([^/]+)/profiles")
LIST_PAGE_DEFAULT = 20
LIST_PAGE_MAX = 100


def new_id() -> str:
    """A 26-character ULID (48-bit millisecond time + 80 random bits, Crockford base32), the shape of Klaviyo ids."""
    value = (time.time_ns() // 1_000_000) << 80 | secrets.randbits(80)
    return "".join(_CROCKFORD[(value >> shift) & 31] for shift in range(125, -1, -5))


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def error_document(status: int, code: str, title: str, detail: str, pointer: str = "/data/") -> Json:
    """Klaviyo's error shape; id, code, title and detail are required by the SDK's GetAccounts4XXResponse."""
    error = {"id": str(uuid.uuid4()), "status": status, "code": code, "title": title, "detail": detail}
    return {"errors": [{**error, "source": {"pointer": pointer}}]}


class ApiError(Exception):
    """Raised while handling a request to answer with a JSON:API error."""

    def __init__(
        self, status: int, code: str, detail: str, pointer: str = "/data/", headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.code = code
        self.detail = detail
        self.pointer = pointer
        self.headers = headers or {}

    def document(self) -> Json:
        return error_document(self.status, self.code, HTTPStatus(self.status).phrase + ".", self.detail, self.pointer)


def _invalid(detail: str, pointer: str = "/data/") -> ApiError:
    return ApiError(400, "invalid", detail, pointer)


def _member[T](obj: object, key: str, kind: type[T], pointer: str) -> T:
    """obj[key] when obj is an object and the member has the given JSON type, else a 400 naming where."""
    value = obj.get(key) if isinstance(obj, dict) else None
    if not isinstance(value, kind):
        raise _invalid(f"'{key}' is required and must be {kind.__name__}", f"{pointer}/{key}")
    return value


def _data(body: object, resource_type: str) -> Json:
    data = _member(body, "data", dict, "")
    if data.get("type") != resource_type:
        raise _invalid(f"data.type must be '{resource_type}'", "/data/type")
    return data


@dataclass(frozen=True)
class _Fault:
    status: int
    retry_after: int | None


@dataclass(frozen=True)
class _Reply:
    status: int
    document: Json | None = None
    headers: dict[str, str] | None = None


class KlaviyoStandin:
    """An in-memory Klaviyo answering on 127.0.0.1 from a background thread; all state guarded by one lock.

    Inspection properties return copies, so they are safe to read while requests are in flight.
    """

    def __init__(self, host: str = "127.0.0.1", port: int = 0, valid_keys: set[str] | None = None) -> None:
        # None accepts any key starting "pk_" (Klaviyo private keys); a set accepts exactly those keys.
        self.valid_keys = valid_keys
        self._address = (host, port)
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._clear()

    # lifecycle

    def start(self) -> Self:
        self._stopping.clear()
        self._server = _Server(self._address, self)
        # A short poll interval keeps stop() (shutdown waits for the poll loop) quick.
        serve = functools.partial(self._server.serve_forever, poll_interval=0.05)
        self._thread = threading.Thread(target=serve, name="klaviyo-standin", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()  # wakes requests sleeping in delay()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join()
        self._server = self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        """e.g. http://127.0.0.1:54321 (no trailing slash: the SDK appends "/api/...")."""
        if self._server is None:
            raise RuntimeError("KlaviyoStandin is not started")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    # test controls

    def fail(self, count: int = 1, status: int = 429, retry_after: int | None = None) -> None:
        """Answer the next `count` requests (any endpoint, before auth) with `status`.

        With retry_after the answer carries `Retry-After: <retry_after>` (whole seconds, as Klaviyo sends on 429;
        the SDK parses it with int()), on a 503 too if asked. Calls queue up behind each other.
        """
        if count < 0 or not 400 <= status <= 599:
            raise ValueError("count must be >= 0 and status a 4xx or 5xx")
        with self._lock:
            self._faults.extend([_Fault(status, retry_after)] * count)

    def delay(self, seconds: float) -> None:
        """Hold every answer for `seconds` from now on (0 to stop); stop() cuts a pending delay short."""
        with self._lock:
            self._delay = max(0.0, seconds)

    def put_in_list(self, list_id: str, *profiles: Json) -> list[str]:
        """Upserts each profile (attributes, as profile-import takes them: matched by email, phone_number,
        external_id) and adds it to the list, as if someone had done so in Klaviyo; returns their ids."""
        with self._lock:
            ids = [
                self._upsert({"type": "profile", "attributes": copy.deepcopy(attributes)})[0] for attributes in profiles
            ]
            self._add_members(list_id, ids)
        return ids

    def reset(self) -> None:
        """Forget all profiles, jobs, lists and recorded requests, and clear pending faults and delay."""
        with self._lock:
            self._clear()

    # inspection (copies)

    @property
    def profiles(self) -> dict[str, Json]:
        """Stored attributes by profile id (only what was sent; explicit nulls removed the attribute)."""
        return self._copy(self._profiles)

    @property
    def requests(self) -> list[tuple[str, str, Any]]:
        """Every request that arrived, faulted and unauthorized ones included: (method, path with query, JSON
        body or None when empty; the raw text when the body was not JSON)."""
        return self._copy(self._requests)

    @property
    def upserts(self) -> list[Json]:
        """Bodies of the profile-import requests that were applied, in order (not faulted or refused ones)."""
        return self._copy(self._upserts)

    @property
    def merges(self) -> list[Json]:
        """Applied merges: {"into": destination profile id, "merged": [source profile ids]}."""
        return self._copy(self._merges)

    @property
    def deletions(self) -> list[Json]:
        """Applied deletion requests: {"id", "email", "phone_number", "deleted_profile_id" (None if no match)}."""
        return self._copy(self._deletions)

    @property
    def bulk_jobs(self) -> dict[str, Json]:
        """Bulk import jobs by id: status, counts, list_ids, profile_ids, errors (per failed profile), body."""
        return self._copy(self._bulk_jobs)

    @property
    def lists(self) -> dict[str, list[str]]:
        """Profile ids by list id, in the order they were added (from bulk imports and add-to-list)."""
        return self._copy(self._lists)

    @property
    def list_reads(self) -> list[Json]:
        """Pages of list members answered, in order: {"list_id", "cursor" (offset), "size", "returned"}."""
        return self._copy(self._list_reads)

    @property
    def subscriptions(self) -> dict[str, Json]:
        """Marketing consent by profile id and channel: {"consent": "SUBSCRIBED" | "UNSUBSCRIBED",
        "consented_at" (historical imports), "custom_source", "historical_import"}."""
        return self._copy(self._subscriptions)

    @property
    def subscription_jobs(self) -> list[Json]:
        """Applied subscribe and unsubscribe requests, in order: {"kind": "subscribe" | "unsubscribe", "body"}."""
        return self._copy(self._subscription_jobs)

    def _copy[T](self, value: T) -> T:
        with self._lock:
            return copy.deepcopy(value)

    def _clear(self) -> None:
        self._profiles: dict[str, Json] = {}
        self._timestamps: dict[str, tuple[datetime, datetime]] = {}  # id -> (created, updated)
        self._requests: list[tuple[str, str, Any]] = []
        self._upserts: list[Json] = []
        self._deletions: list[Json] = []
        self._merges: list[Json] = []
        self._bulk_jobs: dict[str, Json] = {}
        self._lists: dict[str, list[str]] = {}
        self._list_reads: list[Json] = []
        self._subscriptions: dict[str, Json] = {}
        self._subscription_jobs: list[Json] = []
        self._joined: dict[tuple[str, str], datetime] = {}  # (list id, profile id) -> when it joined
        self._query: dict[str, list[str]] = {}
        self._faults: deque[_Fault] = deque()
        self._delay = 0.0

    # request handling (called from the server's threads)

    def handle(self, method: str, raw_path: str, authorization: str | None, raw_body: bytes) -> _Reply:
        try:
            body: Any = json.loads(raw_body) if raw_body else None
            parsed = True
        except ValueError:
            body, parsed = raw_body.decode("utf-8", "replace"), False
        with self._lock:
            self._requests.append((method, raw_path, copy.deepcopy(body)))
            fault = self._faults.popleft() if self._faults else None
            delay = self._delay
        if delay:
            self._stopping.wait(delay)
        try:
            if fault is not None:
                raise _fault_error(fault)
            self._authenticate(authorization)
            if not parsed:
                raise ApiError(400, "parse_error", "The body is not valid JSON.", "")
            parts = urlsplit(raw_path)
            with self._lock:
                self._query = parse_qs(parts.query)
                return self._route(method, parts.path.rstrip("/"), body)
        except ApiError as error:
            return _Reply(error.status, error.document(), error.headers)

    def _authenticate(self, authorization: str | None) -> None:
        scheme, _, key = (authorization or "").partition(" ")
        if scheme != "Klaviyo-API-Key" or not key:
            raise ApiError(401, "not_authenticated", "Missing or invalid Authorization header (Klaviyo-API-Key ...).")
        accepted = key.startswith("pk_") if self.valid_keys is None else key in self.valid_keys
        if not accepted:
            raise ApiError(401, "authentication_failed", "Incorrect authentication credentials.")

    def _route(self, method: str, path: str, body: Any) -> _Reply:
        """Dispatch one authorized request; the caller holds the lock."""
        routes: list[tuple[re.Pattern[str] | str, str, Callable[..., _Reply]]] = [
            ("/api/profile-import", "POST", self._profile_import),
            ("/api/profile-bulk-import-jobs", "POST", self._create_bulk_job),
            (_BULK_JOBS, "GET", self._get_bulk_job),
            ("/api/data-privacy-deletion-jobs", "POST", self._request_deletion),
            (_LIST_PROFILES, "POST", self._add_to_list),
            ("/api/profile-subscription-bulk-create-jobs", "POST", self._subscribe),
            ("/api/profile-subscription-bulk-delete-jobs", "POST", self._unsubscribe),
            ("/api/profile-merge", "POST", self._merge),
            (_LIST_MEMBERS, "GET", self._list_members),
        ]
        path_known = False
        for pattern, route_method, handler in routes:
            if isinstance(pattern, str):
                args: tuple[str, ...] | None = () if path == pattern else None
            else:
                match = pattern.fullmatch(path)
                args = tuple(unquote(group) for group in match.groups()) if match else None
            if args is None:
                continue
            path_known = True
            if method == route_method:
                return handler(*args, body)
        if path_known:
            raise ApiError(405, "method_not_allowed", f'Method "{method}" not allowed.')
        raise ApiError(404, "not_found", "Not found.")

    # endpoints

    def _profile_import(self, body: Any) -> _Reply:
        resource = _data(body, "profile")
        profile_id, created = self._upsert(resource)
        self._upserts.append(copy.deepcopy(body))
        return _Reply(201 if created else 200, {"data": self._profile_resource(profile_id)})

    def _create_bulk_job(self, body: Any) -> _Reply:
        data = _data(body, "profile-bulk-import-job")
        attributes = _member(data, "attributes", dict, "/data")
        profiles = _member(attributes, "profiles", dict, "/data/attributes")
        resources = _member(profiles, "data", list, "/data/attributes/profiles")
        if not 1 <= len(resources) <= MAX_BULK_PROFILES:
            raise _invalid(f"A bulk import job takes 1 to {MAX_BULK_PROFILES} profiles.", "/data/attributes/profiles")
        relationships = data.get("relationships") or {}
        list_ids = [str(item["id"]) for item in (relationships.get("lists") or {}).get("data") or []]

        job_id, now = new_id(), _now()
        profile_ids: list[str] = []
        errors: list[Json] = []
        # Per-profile problems fail that profile only (Klaviyo reports them as the job's import-errors).
        for index, resource in enumerate(resources):
            try:
                if not isinstance(resource, dict) or resource.get("type") != "profile":
                    raise _invalid("Each profile must be a 'profile' resource object.")
                profile_ids.append(self._upsert(resource)[0])
            except ApiError as error:
                errors.append({"index": index, "code": error.code, "detail": error.detail})
        for list_id in list_ids:
            self._add_members(list_id, profile_ids)
        self._bulk_jobs[job_id] = {
            "id": job_id,
            "status": "complete",
            "created_at": now,
            "completed_at": now,
            "total_count": len(resources),
            "completed_count": len(profile_ids),
            "failed_count": len(errors),
            "list_ids": list_ids,
            "profile_ids": profile_ids,
            "errors": errors,
            "body": copy.deepcopy(body),
        }
        # The work is already applied, but like Klaviyo the creation answer says "queued" with nothing counted
        # yet, so clients have to poll the job for the outcome.
        return _Reply(202, {"data": self._job_resource(job_id, queued=True)})

    def _get_bulk_job(self, job_id: str, _body: Any) -> _Reply:
        if job_id not in self._bulk_jobs:
            raise ApiError(404, "not_found", f"Bulk import job {job_id} not found.")
        return _Reply(200, {"data": self._job_resource(job_id)})

    def _request_deletion(self, body: Any) -> _Reply:
        data = _data(body, "data-privacy-deletion-job")
        attributes = _member(data, "attributes", dict, "/data")
        profile = _member(
            _member(attributes, "profile", dict, "/data/attributes"), "data", dict, "/data/attributes/profile"
        )
        identifiers = profile.get("attributes") or {}
        requested_id, email, phone = profile.get("id"), identifiers.get("email"), identifiers.get("phone_number")
        if not (requested_id or email or phone):
            raise _invalid("A profile id, email or phone_number is required.", "/data/attributes/profile/data")
        if requested_id in self._profiles:
            match: str | None = requested_id
        else:
            match = self._find("email", email) or self._find("phone_number", phone)
        if match is not None:
            del self._profiles[match], self._timestamps[match]
            for members in self._lists.values():
                if match in members:
                    members.remove(match)
        self._deletions.append({"id": requested_id, "email": email, "phone_number": phone, "deleted_profile_id": match})
        return _Reply(202)

    def _merge(self, body: Any) -> _Reply:
        data = _data(body, "profile-merge")
        destination = data.get("id")
        if not isinstance(destination, str) or destination not in self._profiles:
            raise ApiError(404, "not_found", f"Profile {destination} not found.", "/data/id")
        relationships = _member(data, "relationships", dict, "/data")
        sources = _member(_member(relationships, "profiles", dict, "/data/relationships"), "data", list, "")
        if len(sources) != 1:
            raise _invalid("Exactly one profile may be merged per request.", "/data/relationships/profiles/data")
        source = sources[0].get("id") if isinstance(sources[0], dict) else None
        if source == destination or source not in self._profiles:
            raise ApiError(404, "not_found", f"Profile {source} not found.", "/data/relationships/profiles/data/0/id")
        merged, into = self._profiles.pop(source), self._profiles[destination]
        del self._timestamps[source]
        for key, value in merged.items():
            if into.get(key) in (None, "", {}) and value not in (None, "", {}):
                into[key] = value
        for members in self._lists.values():
            if source in members:
                members.remove(source)
                if destination not in members:
                    members.append(destination)
        self._merges.append({"into": destination, "merged": [source]})
        links = {"self": f"{self.base_url}/api/profiles/{destination}/"}
        return _Reply(200, {"data": {"type": "profile", "id": destination, "links": links}})

    def _subscribe(self, body: Any) -> _Reply:
        data = _data(body, "profile-subscription-bulk-create-job")
        attributes = _member(data, "attributes", dict, "/data")
        historical = attributes.get("historical_import", False)
        if not isinstance(historical, bool):
            raise _invalid("historical_import must be a boolean.", "/data/attributes/historical_import")
        source = attributes.get("custom_source")

        def consent(channel: str, marketing: Json) -> Json:
            if marketing.get("consent") != "SUBSCRIBED":
                raise _invalid(f"{channel} marketing consent must be SUBSCRIBED.")
            consented_at = marketing.get("consented_at")
            if historical and not consented_at:
                raise _invalid("consented_at is required when historical_import is true.")
            if consented_at and not historical:
                raise _invalid("consented_at may only be given with historical_import.")
            if consented_at and datetime.fromisoformat(str(consented_at)) > datetime.now(UTC):
                raise _invalid("consented_at must be in the past.")
            return {
                "consent": "SUBSCRIBED",
                "consented_at": consented_at,
                "custom_source": source,
                "historical_import": historical,
            }

        profile_ids = self._apply_subscriptions("subscribe", body, attributes, consent)
        list_data = ((data.get("relationships") or {}).get("list") or {}).get("data")
        if list_data:
            self._add_members(str(list_data["id"]), profile_ids)
        return _Reply(202)

    def _unsubscribe(self, body: Any) -> _Reply:
        attributes = _member(_data(body, "profile-subscription-bulk-delete-job"), "attributes", dict, "/data")

        def consent(channel: str, marketing: Json) -> Json:
            if marketing.get("consent") != "UNSUBSCRIBED":
                raise _invalid(f"{channel} marketing consent must be UNSUBSCRIBED.")
            return {"consent": "UNSUBSCRIBED"}

        self._apply_subscriptions("unsubscribe", body, attributes, consent)
        return _Reply(202)

    def _apply_subscriptions(
        self, kind: str, body: Any, attributes: Json, consent: Callable[[str, Json], Json]
    ) -> list[str]:
        """Checks every profile of the job first (a bad one refuses the whole job, as Klaviyo's 400 does),
        then records each channel's consent on the profile its identifier finds (or a new one)."""
        resources = _member(_member(attributes, "profiles", dict, "/data/attributes"), "data", list, "")
        if not 1 <= len(resources) <= MAX_SUBSCRIPTION_PROFILES:
            raise _invalid(f"A subscription job takes 1 to {MAX_SUBSCRIPTION_PROFILES} profiles.")
        checked: list[tuple[Json, dict[str, Json]]] = []
        for resource in resources:
            profile = _member(resource, "attributes", dict, "/data/attributes/profiles")
            _validate(profile)
            channels = _member(profile, "subscriptions", dict, "/data/attributes/profiles")
            given = {}
            for channel, parameters in channels.items():
                identifier = CHANNEL_IDENTIFIERS.get(channel)
                if identifier is None:
                    raise _invalid(f"Unknown channel {channel!r}.")
                if not profile.get(identifier):
                    raise _invalid(f"{identifier} is required for {channel} consent.")
                given[channel] = consent(channel, _member(parameters, "marketing", dict, f"/{channel}"))
            checked.append((profile, given))
        profile_ids = []
        for profile, given in checked:
            identifiers = {key: profile[key] for key in ("email", "phone_number") if profile.get(key)}
            profile_id, _ = self._upsert({"type": "profile", "attributes": identifiers})
            self._subscriptions.setdefault(profile_id, {}).update(given)
            profile_ids.append(profile_id)
        self._subscription_jobs.append({"kind": kind, "body": copy.deepcopy(body)})
        return profile_ids

    def _add_to_list(self, list_id: str, body: Any) -> _Reply:
        resources = _member(body, "data", list, "")
        if len(resources) > MAX_LIST_PROFILES:
            raise _invalid(f"At most {MAX_LIST_PROFILES} profiles per request.")
        if not all(isinstance(item, dict) and item.get("type") == "profile" and item.get("id") for item in resources):
            raise _invalid("Each item must be {'type': 'profile', 'id': ...}.")
        # Unknown profile ids are accepted and recorded as they are.
        self._add_members(list_id, [str(item["id"]) for item in resources])
        return _Reply(204)

    def _list_members(self, list_id: str, _body: Any) -> _Reply:
        """One page of the list's members; the cursor is the offset of the page's first member."""
        query = self._query
        try:
            size = int(query.get("page[size]", [str(LIST_PAGE_DEFAULT)])[0])
            offset = int(query.get("page[cursor]", ["0"])[0].removeprefix("o"))
        except ValueError:
            raise _invalid("page[size] and page[cursor] must be what Klaviyo handed out.", "") from None
        if not 1 <= size <= LIST_PAGE_MAX or offset < 0:
            raise _invalid(f"page[size] must be 1 to {LIST_PAGE_MAX}.", "")
        if list_id not in self._lists:
            raise ApiError(404, "not_found", f"List {list_id} not found.")
        members = [pid for pid in self._lists[list_id] if pid in self._profiles]
        fields = query.get("fields[profile]", [""])[0]
        wanted = set(fields.split(",")) if fields else None
        data = []
        for profile_id in members[offset : offset + size]:
            resource = self._profile_resource(profile_id)
            resource["attributes"]["joined_group_at"] = self._joined[(list_id, profile_id)].isoformat()
            if wanted is not None:
                resource["attributes"] = {k: v for k, v in resource["attributes"].items() if k in wanted}
            data.append(resource)
        url = f"{self.base_url}/api/lists/{quote(list_id)}/profiles"
        links: Json = {"self": url, "next": None, "prev": None}
        if offset + size < len(members):
            links["next"] = f"{url}?page%5Bcursor%5D=o{offset + size}&page%5Bsize%5D={size}"
        self._list_reads.append({"list_id": list_id, "cursor": offset, "size": size, "returned": len(data)})
        return _Reply(200, {"data": data, "links": links})

    # store

    def _upsert(self, resource: Json) -> tuple[str, bool]:
        """Apply one profile resource object; returns (profile id, created)."""
        attributes = _member(resource, "attributes", dict, "/data")
        _validate(attributes)
        profile_id = resource.get("id")
        if profile_id is not None and profile_id not in self._profiles:
            raise ApiError(404, "not_found", f"Profile {profile_id} not found.", "/data/id")
        if profile_id is not None and any(
            self._find(key, attributes.get(key)) not in (None, profile_id) for key in IDENTIFIERS
        ):
            detail = "A profile already exists with one of these identifiers."
            raise ApiError(409, "duplicate_profile", detail, "/data/attributes")
        if profile_id is None:
            # The first identifier, in this order, that matches a stored profile picks it.
            profile_id = next((found for key in IDENTIFIERS if (found := self._find(key, attributes.get(key)))), None)
        created = profile_id is None
        now = _now()
        if profile_id is None:
            if not any(attributes.get(key) for key in IDENTIFIERS):
                raise _invalid("One of email, phone_number or external_id is required.", "/data/attributes")
            profile_id = new_id()
            self._profiles[profile_id] = {}
            self._timestamps[profile_id] = (now, now)
        _merge(self._profiles[profile_id], attributes)
        self._timestamps[profile_id] = (self._timestamps[profile_id][0], now)
        return profile_id, created

    def _find(self, key: str, value: Any) -> str | None:
        if not value:
            return None
        return next((pid for pid, stored in self._profiles.items() if stored.get(key) == value), None)

    def _add_members(self, list_id: str, profile_ids: list[str]) -> None:
        members = self._lists.setdefault(list_id, [])
        joined = [pid for pid in dict.fromkeys(profile_ids) if pid not in members]
        members.extend(joined)
        for pid in joined:
            self._joined[(list_id, pid)] = _now()

    # answers

    def _profile_resource(self, profile_id: str) -> Json:
        stored = self._profiles[profile_id]
        created, updated = self._timestamps[profile_id]
        attributes: Json = {key: stored.get(key) for key in PROFILE_FIELDS}
        attributes |= {
            "created": created.isoformat(),
            "updated": updated.isoformat(),
            "last_event_date": None,
            "location": stored.get("location", {}),
            "properties": stored.get("properties", {}),
        }
        # data.links.self is required by the SDK's PostProfileResponseData.
        links = {"self": f"{self.base_url}/api/profiles/{profile_id}/"}
        return {"type": "profile", "id": profile_id, "attributes": attributes, "links": links}

    def _job_resource(self, job_id: str, queued: bool = False) -> Json:
        job = self._bulk_jobs[job_id]
        url = f"{self.base_url}/api/profile-bulk-import-jobs/{job_id}"
        attributes = {
            "status": "queued" if queued else job["status"],
            "created_at": job["created_at"].isoformat(),
            "total_count": job["total_count"],
            "completed_count": 0 if queued else job["completed_count"],
            "failed_count": 0 if queued else job["failed_count"],
            "completed_at": None if queued else job["completed_at"].isoformat(),
            "expires_at": (job["created_at"] + timedelta(days=7)).isoformat(),
            "started_at": None if queued else job["created_at"].isoformat(),
        }
        relationships = {
            "lists": {
                "data": [{"type": "list", "id": list_id} for list_id in job["list_ids"]],
                "links": {"self": f"{url}/relationships/lists/", "related": f"{url}/lists/"},
            },
            "profiles": {"links": {"self": f"{url}/relationships/profiles/", "related": f"{url}/profiles/"}},
            "import-errors": {"links": {"related": f"{url}/import-errors/"}},
        }
        return {
            "type": "profile-bulk-import-job",
            "id": job_id,
            "attributes": attributes,
            "relationships": relationships,
            "links": {"self": f"{url}/"},
        }


def _validate(attributes: Json) -> None:
    email, phone, external_id = (attributes.get(key) for key in IDENTIFIERS)
    if email is not None and not (isinstance(email, str) and re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email)):
        raise _invalid(f"Invalid email address: {email!r}.", "/data/attributes/email")
    if phone is not None and not (isinstance(phone, str) and _E164.fullmatch(phone)):
        raise _invalid(
            f"Invalid phone number {phone!r}: use E.164, e.g. +15005550006.", "/data/attributes/phone_number"
        )
    if external_id is not None and not isinstance(external_id, str):
        raise _invalid("external_id must be a string.", "/data/attributes/external_id")


def _merge(stored: Json, attributes: Json) -> None:
    """Profile-import semantics: a null clears the attribute, an absent one is left alone; location and
    properties are updated key by key."""
    for key, value in attributes.items():
        if key == "_kx":  # a tracking token, not an attribute
            continue
        if value is None:
            stored.pop(key, None)
        elif key in MERGED_FIELDS and isinstance(value, dict):
            merged = {**stored.get(key, {}), **value}
            stored[key] = {k: v for k, v in merged.items() if v is not None}
        else:
            stored[key] = copy.deepcopy(value)


def _fault_error(fault: _Fault) -> ApiError:
    headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after is not None else {}
    if fault.status == 429:
        wait = f" Expected available in {fault.retry_after} seconds." if fault.retry_after is not None else ""
        return ApiError(429, "throttled", "Request was throttled." + wait, headers=headers)
    code = "error" if fault.status >= 500 else "invalid"
    return ApiError(fault.status, code, f"Injected fault: {HTTPStatus(fault.status).phrase}.", headers=headers)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # the default listen backlog of 5 stalls bursts of concurrent clients for a second

    def __init__(self, address: tuple[str, int], standin: KlaviyoStandin) -> None:
        self.standin = standin
        super().__init__(address, _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that gave up during delay() has closed its socket; that is expected, not worth a traceback.
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_GET(self) -> None:
        self._answer()

    def do_POST(self) -> None:
        self._answer()

    def do_PATCH(self) -> None:
        self._answer()

    def do_PUT(self) -> None:
        self._answer()

    def do_DELETE(self) -> None:
        self._answer()

    def log_message(self, format: str, *args: Any) -> None:
        pass  # tests read standin.requests instead

    def _answer(self) -> None:
        raw_body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        try:
            reply = self.server.standin.handle(self.command, self.path, self.headers.get("Authorization"), raw_body)
        except Exception as exc:  # a stand-in bug: say so in the answer rather than drop the connection
            reply = _Reply(500, error_document(500, "error", "Stand-in error.", repr(exc)))
        payload = json.dumps(reply.document).encode() if reply.document is not None else b""
        self.send_response(reply.status)
        if payload:
            self.send_header("Content-Type", JSONAPI)
        self.send_header("Content-Length", str(len(payload)))
        for name, value in (reply.headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)

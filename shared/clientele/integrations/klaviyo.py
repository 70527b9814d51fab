"""Klaviyo through its official SDK (klaviyo-api): the profile a consumer becomes, and calls that
retry Klaviyo's 429 and 5xx answers, waiting as long as `Retry-After` says.

The SDK's own retrying is turned off (it retries only some statuses, and reads only whole-second
Retry-After values) and so is urllib3's for statuses: every wait is decided here, within a budget,
so a sync never sleeps past its Lambda's time. KLAVIYO_BASE_URL points the SDK elsewhere (tests
use a stand-in server).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import Any, NamedTuple

from clientele.consumers.enums import ConsentChannel, ConsentMethod, ConsentState
from clientele.consumers.models import ChannelConsent, Consumer
from clientele.core import clock, settings

MAX_ATTEMPTS = 6
MAX_WAIT = 10.0  # seconds: the longest single wait, whatever Retry-After asks
WAIT_BUDGET = 30.0  # seconds of waiting in all for one call, then it fails (the stream retries the record)
BASE_BACKOFF = 0.5
RETRIED = frozenset({429, 500, 502, 503, 504})
MAX_BULK_PROFILES = 10_000  # Klaviyo's limit per bulk import job
MAX_BULK_BYTES = 4 * 1024 * 1024  # and its payload limit is 5 MB: stay well under


class KlaviyoFailed(Exception):
    """Klaviyo refused the call, or kept failing it after every retry. `status` is its last answer."""

    def __init__(self, status: int | None, message: str) -> None:
        super().__init__(message)
        self.status = status


def _client(api_key: str) -> Any:
    import urllib3
    from klaviyo_api import KlaviyoAPI  # imported on first use: only the sync functions load the SDK
    from openapi_client import rest

    klaviyo = KlaviyoAPI(api_key, max_retries=0, test_host=settings.current().klaviyo_base_url)
    # Connection errors are still retried by urllib3; statuses come back to `call` (which decides).
    klaviyo.configuration.retries = urllib3.util.Retry(total=2, status=0, respect_retry_after_header=False)
    klaviyo.api_client.rest_client = rest.RESTClientObject(klaviyo.configuration)
    return klaviyo


_CLIENTS: dict[str, Any] = {}


def client(api_key: str) -> Any:
    """One SDK client per key and process (its connection pool is reused across invocations)."""
    if api_key not in _CLIENTS:
        _CLIENTS[api_key] = _client(api_key)
    return _CLIENTS[api_key]


def _sleep(seconds: float) -> None:
    time.sleep(seconds)


def call[Result](work: Callable[[], Result]) -> Result:
    """`work()` (one SDK call), again after a 429 or 5xx: waiting what Retry-After says, else an
    exponential backoff with jitter, until MAX_ATTEMPTS or WAIT_BUDGET run out."""
    from openapi_client.exceptions import ApiException

    waited = 0.0
    for attempt in range(MAX_ATTEMPTS):
        try:
            return work()
        except ApiException as error:
            status = int(error.status or 0)
            if status not in RETRIED or attempt == MAX_ATTEMPTS - 1:
                raise KlaviyoFailed(status, _message(status, error)) from None
            asked = clock.retry_after((error.headers or {}).get("Retry-After"))
            backoff = random.uniform(0, BASE_BACKOFF * 2**attempt)  # noqa: S311 (jitter, not a secret)
            wait = asked if asked is not None else backoff
            if (
                wait > MAX_WAIT or waited + wait > WAIT_BUDGET
            ):  # never sooner than asked: fail, the stream retries later
                raise KlaviyoFailed(status, _message(status, error)) from None
            _sleep(wait)
            waited += wait
    raise AssertionError("unreachable")


def _message(status: int, error: Any) -> str:
    """Klaviyo's own error title, never the body (which echoes the profile's personal data)."""
    data = getattr(error, "data", None)
    errors = getattr(data, "errors", None) or []
    title = getattr(errors[0], "title", None) if errors else None
    return f"Klaviyo answered {status}" + (f": {title}" if title else "")


# ---------------------------------------------------------------- profiles


def profile(consumer: Consumer) -> dict[str, Any]:
    """The consumer as Klaviyo profile attributes, every field present (null when empty). Names come
    from firstName/lastName, else from splitting fullName at its first space."""
    first, last = consumer.first_name, consumer.last_name
    if first is None and last is None and consumer.full_name:
        first, _, rest = consumer.full_name.partition(" ")
        last = rest or None
    attributes: dict[str, Any] = {
        "email": consumer.email,
        "phone_number": consumer.phone,
        "external_id": consumer.external_id,
        "first_name": first,
        "last_name": last,
        "properties": {
            "clientele_id": consumer.id,
            "status": str(consumer.status),
            "tags": consumer.tags,
            "metadata": consumer.metadata or {},
            "loyalty_points": consumer.loyalty.points,
            "loyalty_tier": consumer.loyalty.tier,
        },
    }
    address = consumer.address
    location = {
        "address1": address.street if address else None,
        "city": address.city if address else None,
        "region": address.region if address else None,
        "zip": address.postal_code if address else None,
        "country": address.country if address else None,
    }
    # A null clears the field in Klaviyo (an absent one is left as it was): what was cleared here
    # is cleared there too.
    return {**attributes, "location": location}


def upsert(api_key: str, consumer: Consumer) -> str:
    """Creates or updates the consumer's profile; returns Klaviyo's profile id. A consumer synced
    before names its profile by id, so a changed email updates that profile, not a new one."""
    resource: dict[str, Any] = {"type": "profile", "attributes": profile(consumer)}
    if consumer.klaviyo_profile_id:
        try:
            answer = call(
                lambda: client(api_key).Profiles.create_or_update_profile(
                    {"data": {**resource, "id": consumer.klaviyo_profile_id}}
                )
            )
            return str(answer.data.id)
        except KlaviyoFailed as failed:
            if failed.status != 404:  # a profile deleted or merged in Klaviyo: upsert by identifiers
                raise
    answer = call(lambda: client(api_key).Profiles.create_or_update_profile({"data": resource}))
    return str(answer.data.id)


def add_to_list(api_key: str, list_id: str, profile_ids: list[str]) -> None:
    body = {"data": [{"type": "profile", "id": profile_id} for profile_id in profile_ids]}
    call(lambda: client(api_key).Lists.add_profiles_to_list(list_id, body))


# ---------------------------------------------------------------- consent

MAX_SUBSCRIPTION_PROFILES = 1_000  # Klaviyo's limit per subscribe or unsubscribe job
_IDENTIFIER = {ConsentChannel.EMAIL: "email", ConsentChannel.SMS: "phone_number"}


class Told(NamedTuple):
    """One channel's consent as Klaviyo is told it."""

    channel: ConsentChannel
    state: ConsentState  # subscribed or unsubscribed
    method: str
    consented_at: str | None


def consents(consumer: Consumer) -> dict[str, Told]:
    """What Klaviyo is told of the consumer's consent: each channel that says yes or no and whose
    identifier (email, phone) the profile has. A never_subscribed channel tells nothing, and the
    profile upsert never carries consent: nobody is subscribed but by a consent given here. A
    suppressed channel (a bounce, a complaint) is not subscribed either: Klaviyo's subscribe would
    lift its own suppression of the address."""
    told: dict[str, Told] = {}
    for channel in ConsentChannel:
        given: ChannelConsent = getattr(consumer.consent, channel)
        identifier = consumer.email if channel is ConsentChannel.EMAIL else consumer.phone
        suppressed = getattr(consumer.suppressions, channel) is not None
        if given.state is ConsentState.SUBSCRIBED and suppressed:
            continue
        if given.state is not ConsentState.NEVER_SUBSCRIBED and identifier:
            method = str(given.method or ConsentMethod.API)
            told[str(channel)] = Told(channel, given.state, method, given.consented_at)
    return told


def tell_consent(
    api_key: str, list_id: str | None, told: list[tuple[Consumer, Told]], *, backfill: bool = False
) -> None:
    """Klaviyo's subscription calls for each (consumer, channel): Bulk Subscribe for a subscribed one
    (into the list when there is one, so its opt-in rules apply), Bulk Unsubscribe for an unsubscribed
    one. A consent an import gave with its own time, and every consent a `backfill` (the resync)
    tells, is sent as a historical import with its time: no opt-in mail or list flow for consent
    given long ago. Every other is sent as given now. Jobs hold MAX_SUBSCRIPTION_PROFILES profiles, one method each
    (Klaviyo keeps it as the consent's custom source)."""
    groups: dict[tuple[ConsentState, str], list[tuple[Consumer, Told]]] = {}
    for consumer, channel in told:
        groups.setdefault((channel.state, channel.method), []).append((consumer, channel))
    for (state, method), members in groups.items():
        for start in range(0, len(members), MAX_SUBSCRIPTION_PROFILES):
            chunk = members[start : start + MAX_SUBSCRIPTION_PROFILES]
            if state is ConsentState.SUBSCRIBED:
                historical = backfill or method == ConsentMethod.IMPORT
                _subscribe(api_key, list_id, method, chunk, historical=historical)
            else:
                _unsubscribe(api_key, chunk)


def _profiles(told: list[tuple[Consumer, Told]], consent: Any) -> dict[str, Any]:
    """The job's profiles, one per consumer with each of its channels, `consent(told)` giving each one's
    marketing parameters."""
    by_consumer: dict[str, tuple[Consumer, dict[str, Any]]] = {}
    for consumer, channel in told:
        _, subscriptions = by_consumer.setdefault(consumer.id, (consumer, {}))
        subscriptions[str(channel.channel)] = {"marketing": consent(channel)}
    data = []
    for consumer, subscriptions in by_consumer.values():
        attributes: dict[str, Any] = {"subscriptions": subscriptions}
        for channel_name in subscriptions:
            name = _IDENTIFIER[ConsentChannel(channel_name)]
            attributes[name] = consumer.email if name == "email" else consumer.phone
        data.append({"type": "profile", "attributes": attributes})
    return {"data": data}


def _subscribe(
    api_key: str, list_id: str | None, method: str, told: list[tuple[Consumer, Told]], *, historical: bool
) -> None:
    def consent(channel: Told) -> dict[str, Any]:
        return {"consent": "SUBSCRIBED"} | ({"consented_at": channel.consented_at} if historical else {})

    attributes = {
        "custom_source": f"Clientele ({method})",
        "historical_import": historical,
        "profiles": _profiles(told, consent),
    }
    body: dict[str, Any] = {"data": {"type": "profile-subscription-bulk-create-job", "attributes": attributes}}
    if list_id:
        body["data"]["relationships"] = {"list": {"data": {"type": "list", "id": list_id}}}
    call(lambda: client(api_key).Profiles.bulk_subscribe_profiles(body))


def _unsubscribe(api_key: str, told: list[tuple[Consumer, Told]]) -> None:
    profiles = _profiles(told, lambda _: {"consent": "UNSUBSCRIBED"})
    body = {"data": {"type": "profile-subscription-bulk-delete-job", "attributes": {"profiles": profiles}}}
    call(lambda: client(api_key).Profiles.bulk_unsubscribe_profiles(body))


class BulkJob(NamedTuple):
    id: str
    status: str
    total: int
    completed: int
    failed: int


def bulk_import(api_key: str, profiles: list[dict[str, Any]], list_id: str | None) -> str:
    """Starts one of Klaviyo's bulk profile import jobs (≤ MAX_BULK_PROFILES); returns its id."""
    body: dict[str, Any] = {
        "data": {
            "type": "profile-bulk-import-job",
            "attributes": {"profiles": {"data": [{"type": "profile", "attributes": p} for p in profiles]}},
        }
    }
    if list_id:
        body["data"]["relationships"] = {"lists": {"data": [{"type": "list", "id": list_id}]}}
    answer = call(lambda: client(api_key).Profiles.bulk_import_profiles(body))
    return str(answer.data.id)


def bulk_job(api_key: str, job_id: str) -> BulkJob:
    answer = call(lambda: client(api_key).Profiles.get_bulk_import_profiles_job(job_id))
    attributes = answer.data.attributes
    return BulkJob(
        id=job_id,
        status=str(attributes.status),
        total=int(attributes.total_count or 0),
        completed=int(attributes.completed_count or 0),
        failed=int(attributes.failed_count or 0),
    )


def merge_profile(api_key: str, into: str, source: str) -> None:
    """Klaviyo's profile merge: `source` is merged into `into` (its data, events and lists) and deleted."""
    body = {
        "data": {
            "type": "profile-merge",
            "id": into,
            "relationships": {"profiles": {"data": [{"type": "profile", "id": source}]}},
        }
    }
    call(lambda: client(api_key).Profiles.merge_profiles(body))


def request_deletion(api_key: str, email: str | None, phone: str | None, profile_id: str | None) -> None:
    """Klaviyo's data-privacy deletion of one profile (by its id, else its email or phone)."""
    profile_data: dict[str, Any] = {"type": "profile", "attributes": {}}
    if profile_id:
        profile_data["id"] = profile_id
    elif email:
        profile_data["attributes"] = {"email": email}
    elif phone:
        profile_data["attributes"] = {"phone_number": phone}
    else:
        return
    body = {"data": {"type": "data-privacy-deletion-job", "attributes": {"profile": {"data": profile_data}}}}
    call(lambda: client(api_key).Data_Privacy.request_profile_deletion(body))


# ---------------------------------------------------------------- the fields both sides hold

LOCATION_FIELDS = ("address1", "city", "region", "zip", "country")
SHARED_FIELDS = ("email", "phone_number", "external_id", "first_name", "last_name")
PAGE_SIZE = 100  # Klaviyo's largest page of a list's profiles


def shared(attributes: dict[str, Any]) -> dict[str, Any]:
    """The profile fields a consumer and a Klaviyo profile both hold (the identifiers, the names and
    the address), from profile attributes: what `profile()` sends, or what Klaviyo answers with
    (whose location has more keys, and leaves out empty ones)."""
    location = attributes.get("location") or {}
    email = attributes.get("email")
    return {
        **{name: attributes.get(name) or None for name in SHARED_FIELDS},
        "email": email.lower() if email else None,  # compared case-insensitively, as consumers' are
        "location": {name: location.get(name) or None for name in LOCATION_FIELDS},
    }


def fingerprint(fields: dict[str, Any]) -> str:
    """A short digest of profile fields (order-independent), stored with a consumer's Klaviyo link to
    tell whether one side still holds what the other last had."""
    import hashlib
    import json

    text = json.dumps(fields, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


class ListPage(NamedTuple):
    profiles: list[dict[str, Any]]  # {"id", "attributes"}
    next_cursor: str | None  # page[cursor] of the next page; None after the last page


def list_profiles(api_key: str, list_id: str, cursor: str | None) -> ListPage:
    """One page of a list's profiles (Get Profiles for List, sparse fields: only what is pulled), and
    the cursor of the next page taken from `links.next`."""
    from urllib.parse import parse_qs, urlsplit

    from openapi_client.api_arg_options import USE_DICTIONARY_FOR_RESPONSE_DATA

    fields = [*SHARED_FIELDS, "location"]
    answer = call(
        lambda: client(api_key).Lists.get_list_profiles(
            list_id,
            fields_profile=fields,
            page_size=PAGE_SIZE,
            page_cursor=cursor,
            options={USE_DICTIONARY_FOR_RESPONSE_DATA: True},
        )
    )
    document = answer if isinstance(answer, dict) else answer.to_dict()
    profiles = [
        {"id": str(item["id"]), "attributes": dict(item.get("attributes") or {})} for item in document.get("data") or []
    ]
    next_link = (document.get("links") or {}).get("next")
    next_cursor = parse_qs(urlsplit(next_link).query).get("page[cursor]", [None])[0] if next_link else None
    return ListPage(profiles, next_cursor)

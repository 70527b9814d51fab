"""The Klaviyo stand-in, driven through Klaviyo's own SDK (klaviyo-api 25.0.0) so its answers are known to parse.

Retry facts these tests pin (the sync's own retry logic relies on them):
- KlaviyoAPI retries ApiExceptions with status 429/503/504/524 itself; max_retries is the number of attempts,
  not of retries, and max_retries=0 turns that layer off. 500 is never retried.
- It honours Retry-After (whole seconds), polling with its exponential backoff until that time has passed.
- Under it, urllib3's default Retry(3) also retries GETs answered 413/429/503 with a Retry-After header; only a
  rebuilt rest client turns that off.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import urllib3
from klaviyo_api import KlaviyoAPI
from openapi_client import rest
from openapi_client.exceptions import ApiException, BadRequestException, ServiceException, UnauthorizedException

from clientele_local.klaviyo_standin import KlaviyoStandin

KEY = "pk_test_clientele"


@pytest.fixture
def standin() -> Iterator[KlaviyoStandin]:
    with KlaviyoStandin() as running:
        yield running


def client(standin: KlaviyoStandin, api_key: str = KEY, **options: Any) -> KlaviyoAPI:
    """The SDK pointed at the stand-in; its own retrying is off (max_retries=0) unless a test asks for it."""
    return KlaviyoAPI(api_key, test_host=standin.base_url, **{"max_retries": 0, **options})


def error_code(exc: ApiException) -> str:
    """The JSON:API error code the SDK parsed from the error body (exc.data is a GetAccounts4XXResponse)."""
    assert exc.data is not None
    return str(exc.data.errors[0].code)


def profile(profile_id: str | None = None, **attributes: Any) -> dict[str, Any]:
    resource: dict[str, Any] = {"type": "profile", "attributes": attributes}
    if profile_id:
        resource["id"] = profile_id
    return resource


def upsert(**attributes: Any) -> dict[str, Any]:
    return {"data": profile(**attributes)}


def bulk_job(profiles: list[dict[str, Any]], list_id: str | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {"type": "profile-bulk-import-job", "attributes": {"profiles": {"data": profiles}}}
    if list_id:
        data["relationships"] = {"lists": {"data": [{"type": "list", "id": list_id}]}}
    return {"data": data}


def deletion(**identifier: str) -> dict[str, Any]:
    profile_id = identifier.pop("id", None)
    target = profile(profile_id, **identifier)
    return {"data": {"type": "data-privacy-deletion-job", "attributes": {"profile": {"data": target}}}}


FULL = {
    "email": "ada@example.com",
    "phone_number": "+15005550006",
    "external_id": "consumer-1",
    "first_name": "Ada",
    "last_name": "Lovelace",
    "location": {"city": "London", "country": "GB", "zip": "W1"},
    "properties": {"tier": "gold", "points": 120},
}


def test_upsert_creates_then_updates_one_profile(standin: KlaviyoStandin) -> None:
    profiles = client(standin).Profiles

    # *_with_http_info (not wrapped with retries by KlaviyoAPI) exposes the status: 201 created, 200 updated.
    created = profiles.create_or_update_profile_with_http_info(upsert(**FULL))
    assert created.status_code == 201
    profile_id = created.data.data.id
    assert len(profile_id) == 26
    assert created.data.data.attributes.email == "ada@example.com"
    assert created.data.data.attributes.location.city == "London"

    changes = upsert(email="ada@example.com", first_name="Augusta", last_name=None, properties={"points": 150})
    updated = profiles.create_or_update_profile_with_http_info(changes)
    assert (updated.status_code, updated.data.data.id) == (200, profile_id)
    # The wrapped method answers the parsed PostProfileResponse; no email, so the phone number matches.
    by_phone = profiles.create_or_update_profile(upsert(phone_number="+15005550006", location={"zip": None}))
    assert by_phone.data.id == profile_id

    assert standin.profiles == {
        profile_id: {
            "email": "ada@example.com",
            "phone_number": "+15005550006",
            "external_id": "consumer-1",
            "first_name": "Augusta",  # last_name was cleared by its explicit null
            "location": {"city": "London", "country": "GB"},
            "properties": {"tier": "gold", "points": 150},  # merged key by key
        }
    }
    assert [body["data"]["attributes"].get("first_name") for body in standin.upserts] == ["Ada", "Augusta", None]
    assert [(method, path) for method, path, _ in standin.requests] == [("POST", "/api/profile-import")] * 3


def test_upsert_without_identifier_is_refused(standin: KlaviyoStandin) -> None:
    with pytest.raises(BadRequestException) as raised:
        client(standin).Profiles.create_or_update_profile(upsert(first_name="Nobody"))
    assert raised.value.status == 400
    assert error_code(raised.value) == "invalid"
    assert standin.profiles == {}
    assert standin.upserts == []


def test_an_upsert_by_id_taking_another_profiles_identifier_is_a_409(standin: KlaviyoStandin) -> None:
    profiles = client(standin).Profiles
    first = profiles.create_or_update_profile(upsert(email="one@example.com")).data.id
    profiles.create_or_update_profile(upsert(email="two@example.com", phone_number="+15005550006"))
    with pytest.raises(ApiException) as raised:
        profiles.create_or_update_profile(upsert(profile_id=first, phone_number="+15005550006"))
    assert raised.value.status == 409
    assert error_code(raised.value) == "duplicate_profile"
    assert standin.profiles[first] == {"email": "one@example.com"}  # nothing changed
    # Its own identifiers again, by id, are no conflict.
    again = profiles.create_or_update_profile(upsert(profile_id=first, email="one@example.com", first_name="One"))
    assert again.data.id == first


def test_bulk_import_job_then_job_status(standin: KlaviyoStandin) -> None:
    klaviyo = client(standin)
    existing = klaviyo.Profiles.create_or_update_profile(upsert(email="ada@example.com")).data.id
    profiles = [
        profile(email="ada@example.com", first_name="Ada"),  # updates the existing profile
        profile(external_id="consumer-2", first_name="Grace"),
        profile(phone_number="+15005550007"),
        profile(first_name="No identifier"),  # fails alone, the job goes on
    ]

    job = klaviyo.Profiles.bulk_import_profiles(bulk_job(profiles, list_id="LIST01"))
    assert job.data.attributes.status == "queued"  # like Klaviyo: poll for the outcome
    assert job.data.attributes.total_count == 4

    status = klaviyo.Profiles.get_bulk_import_profiles_job(job.data.id)
    attributes = status.data.attributes
    assert (attributes.status, attributes.total_count, attributes.completed_count, attributes.failed_count) == (
        "complete",
        4,
        3,
        1,
    )
    assert [item.id for item in status.data.relationships.lists.data] == ["LIST01"]

    recorded = standin.bulk_jobs[job.data.id]
    assert recorded["status"] == "complete"
    assert recorded["errors"] == [{"index": 3, "code": "invalid", "detail": recorded["errors"][0]["detail"]}]
    assert recorded["profile_ids"][0] == existing
    assert standin.lists == {"LIST01": recorded["profile_ids"]}
    assert standin.profiles[existing] == {"email": "ada@example.com", "first_name": "Ada"}
    assert len(standin.profiles) == 3


def test_unknown_bulk_job_is_404(standin: KlaviyoStandin) -> None:
    with pytest.raises(ApiException) as raised:
        client(standin).Profiles.get_bulk_import_profiles_job("NOSUCHJOB")
    assert raised.value.status == 404


@pytest.mark.parametrize("by", ["email", "phone_number", "id"])
def test_deletion_request_removes_the_profile(standin: KlaviyoStandin, by: str) -> None:
    klaviyo = client(standin)
    kept = klaviyo.Profiles.create_or_update_profile(upsert(email="kept@example.com")).data.id
    doomed = klaviyo.Profiles.create_or_update_profile(upsert(email="gone@example.com", phone_number="+15005550009"))
    klaviyo.Lists.add_profiles_to_list("LIST01", {"data": [{"type": "profile", "id": doomed.data.id}]})
    identifier = {"email": "gone@example.com", "phone_number": "+15005550009", "id": doomed.data.id}[by]

    assert klaviyo.Data_Privacy.request_profile_deletion(deletion(**{by: identifier})) is None  # 202, no body

    assert list(standin.profiles) == [kept]
    assert standin.lists == {"LIST01": []}
    [recorded] = standin.deletions
    assert recorded[by] == identifier
    assert recorded["deleted_profile_id"] == doomed.data.id


def test_add_profiles_to_list(standin: KlaviyoStandin) -> None:
    klaviyo = client(standin)
    ids = [klaviyo.Profiles.create_or_update_profile(upsert(email=f"u{i}@example.com")).data.id for i in range(2)]
    members = {"data": [{"type": "profile", "id": profile_id} for profile_id in ids]}

    assert klaviyo.Lists.add_profiles_to_list("LIST01", members) is None  # 204
    klaviyo.Lists.add_profiles_to_list("LIST01", members)  # adding again changes nothing

    assert standin.lists == {"LIST01": ids}
    assert standin.requests[-1] == ("POST", "/api/lists/LIST01/relationships/profiles", members)


def test_bad_key_is_401(standin: KlaviyoStandin) -> None:
    with pytest.raises(UnauthorizedException) as raised:
        client(standin, api_key="sk_not_a_private_key").Profiles.create_or_update_profile(upsert(**FULL))
    assert raised.value.status == 401
    assert error_code(raised.value) == "authentication_failed"

    standin.valid_keys = {"pk_the_only_one"}
    with pytest.raises(UnauthorizedException):
        client(standin).Profiles.create_or_update_profile(upsert(**FULL))
    client(standin, api_key="pk_the_only_one").Profiles.create_or_update_profile(upsert(**FULL))

    assert len(standin.requests) == 3  # refused requests are recorded
    assert len(standin.upserts) == 1  # but not applied
    assert len(standin.profiles) == 1


def test_429_surfaces_with_retry_after_when_sdk_retry_is_off(standin: KlaviyoStandin) -> None:
    klaviyo = client(standin)  # max_retries=0
    standin.fail(1, status=429, retry_after=7)

    with pytest.raises(ApiException) as raised:
        klaviyo.Profiles.create_or_update_profile(upsert(**FULL))
    assert type(raised.value) is ApiException  # 429 has no subclass of its own
    assert raised.value.status == 429
    assert raised.value.headers is not None
    assert raised.value.headers["Retry-After"] == "7"  # a urllib3 HTTPHeaderDict: any case works
    assert error_code(raised.value) == "throttled"
    assert standin.upserts == []

    klaviyo.Profiles.create_or_update_profile(upsert(**FULL))  # the fault was used up
    assert len(standin.upserts) == 1
    assert len(standin.requests) == 2


def test_sdk_retries_429_after_retry_after(standin: KlaviyoStandin) -> None:
    # max_delay caps each backoff sleep (0 means 0.1 s), so the SDK polls until Retry-After has passed.
    klaviyo = client(standin, max_retries=3, max_delay=0)
    standin.fail(1, status=429, retry_after=1)

    started = time.monotonic()
    klaviyo.Profiles.create_or_update_profile(upsert(**FULL))

    assert time.monotonic() - started >= 1.0
    assert len(standin.requests) == 2
    assert len(standin.upserts) == 1


def test_sdk_max_retries_counts_attempts(standin: KlaviyoStandin) -> None:
    standin.fail(5, status=503)
    with pytest.raises(ServiceException) as raised:
        client(standin, max_retries=3, max_delay=0).Profiles.create_or_update_profile(upsert(**FULL))
    assert raised.value.status == 503
    assert len(standin.requests) == 3  # three attempts in all, not 1 + 3


def test_500_is_not_retried(standin: KlaviyoStandin) -> None:
    standin.fail(1, status=500)
    with pytest.raises(ServiceException) as raised:
        client(standin, max_retries=3, max_delay=0).Profiles.create_or_update_profile(upsert(**FULL))
    assert raised.value.status == 500
    assert error_code(raised.value) == "error"
    assert len(standin.requests) == 1
    assert standin.profiles == {}


def test_urllib3_retries_get_429_with_retry_after_unless_rebuilt(standin: KlaviyoStandin) -> None:
    klaviyo = client(standin)  # max_retries=0: the SDK layer is off
    job_id = klaviyo.Profiles.bulk_import_profiles(bulk_job([profile(email="a@example.com")])).data.id

    standin.fail(2, status=429, retry_after=0)
    assert klaviyo.Profiles.get_bulk_import_profiles_job(job_id).data.attributes.status == "complete"
    assert len(standin.requests) == 4  # the POST, two 429s retried inside urllib3, the answer

    # Rebuilding the rest client with a Retry that ignores Retry-After hands every 429 to the caller.
    klaviyo.configuration.retries = urllib3.util.Retry(total=3, respect_retry_after_header=False)
    klaviyo.api_client.rest_client = rest.RESTClientObject(klaviyo.configuration)
    standin.fail(1, status=429, retry_after=0)
    with pytest.raises(ApiException) as raised:
        klaviyo.Profiles.get_bulk_import_profiles_job(job_id)
    assert raised.value.status == 429
    assert len(standin.requests) == 5


def test_delay_slows_answers_and_trips_client_timeouts(standin: KlaviyoStandin) -> None:
    klaviyo = client(standin)
    standin.delay(0.3)

    started = time.monotonic()
    klaviyo.Profiles.create_or_update_profile(upsert(email="slow@example.com"))
    assert time.monotonic() - started >= 0.3

    # A timeout surfaces as urllib3's exception, not an ApiException; a POST is not retried by urllib3.
    with pytest.raises(urllib3.exceptions.ReadTimeoutError):
        klaviyo.Profiles.create_or_update_profile(upsert(email="late@example.com"), _request_timeout=0.1)
    assert len(standin.requests) == 2


def test_concurrent_upserts(standin: KlaviyoStandin) -> None:
    klaviyo = client(standin)

    def send(i: int) -> None:
        klaviyo.Profiles.create_or_update_profile(upsert(email=f"u{i}@example.com"))

    threads = [threading.Thread(target=send, args=(i,)) for i in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(p["email"] for p in standin.profiles.values()) == sorted(f"u{i}@example.com" for i in range(20))
    assert len(standin.upserts) == 20


def test_reset_forgets_state_and_faults(standin: KlaviyoStandin) -> None:
    klaviyo = client(standin)
    klaviyo.Profiles.create_or_update_profile(upsert(email="a@example.com"))
    standin.fail(3, status=500)
    standin.reset()

    klaviyo.Profiles.create_or_update_profile(upsert(email="a@example.com"))
    assert len(standin.profiles) == 1
    assert len(standin.requests) == 1


def _subscription_job(
    kind: str, profiles: list[dict[str, Any]], list_id: str | None = None, **attributes: Any
) -> dict[str, Any]:
    data: dict[str, Any] = {"type": kind, "attributes": {"profiles": {"data": profiles}, **attributes}}
    if list_id:
        data["relationships"] = {"list": {"data": {"type": "list", "id": list_id}}}
    return {"data": data}


SUBSCRIBE, UNSUBSCRIBE = "profile-subscription-bulk-create-job", "profile-subscription-bulk-delete-job"


def test_subscribe_and_unsubscribe_record_consent_by_identifier_and_refuse_a_bad_job_whole(
    standin: KlaviyoStandin,
) -> None:
    profiles = client(standin).Profiles
    email = {"email": {"marketing": {"consent": "SUBSCRIBED"}}}
    ana_job = [profile(email="ana@example.com", subscriptions=email)]
    profiles.bulk_subscribe_profiles(_subscription_job(SUBSCRIBE, ana_job, "L1", custom_source="Clientele (form)"))
    [ana] = standin.profiles
    assert standin.subscriptions[ana]["email"] == {
        "consent": "SUBSCRIBED",
        "consented_at": None,
        "custom_source": "Clientele (form)",
        "historical_import": False,
    }
    assert standin.lists["L1"] == [ana]

    backdated = {"email": {"marketing": {"consent": "SUBSCRIBED", "consented_at": "2021-03-01T07:30:00Z"}}}
    with pytest.raises(BadRequestException):  # a past time only with historical_import
        profiles.bulk_subscribe_profiles(
            _subscription_job(SUBSCRIBE, [profile(email="ben@example.com", subscriptions=backdated)])
        )
    sms = {"sms": {"marketing": {"consent": "SUBSCRIBED"}}}
    with pytest.raises(BadRequestException):  # an SMS consent needs a phone number
        profiles.bulk_subscribe_profiles(
            _subscription_job(SUBSCRIBE, [profile(email="ben@example.com", subscriptions=sms)])
        )
    assert len(standin.profiles) == 1  # refused jobs changed nothing
    profiles.bulk_subscribe_profiles(
        _subscription_job(
            SUBSCRIBE,
            [profile(email="ben@example.com", subscriptions=backdated)],
            historical_import=True,
        )
    )
    ben = next(pid for pid, stored in standin.profiles.items() if stored["email"] == "ben@example.com")
    assert standin.subscriptions[ben]["email"]["historical_import"] is True

    unsubscribe = {"email": {"marketing": {"consent": "UNSUBSCRIBED"}}}
    profiles.bulk_unsubscribe_profiles(
        _subscription_job(UNSUBSCRIBE, [profile(email="ana@example.com", subscriptions=unsubscribe)])
    )
    assert standin.subscriptions[ana]["email"] == {"consent": "UNSUBSCRIBED"}
    assert [job["kind"] for job in standin.subscription_jobs] == ["subscribe", "subscribe", "unsubscribe"]

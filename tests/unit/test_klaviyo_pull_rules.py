"""The rules of the Klaviyo pull without a network: the fields both sides hold, their digest, and the
update a profile makes to a consumer (never clearing a field)."""

from __future__ import annotations

from typing import Any

import pytest

from clientele.consumers.enums import Source
from clientele.consumers.models import Address, Consumer
from clientele.consumers.requests import ConsumerCreate
from clientele.consumers.service import new_consumer
from clientele.core.errors import ExternalIdAlreadyExists, StoreBusy
from clientele.core.tenancy import Environment, Tenant
from clientele.integrations import klaviyo, pull
from clientele.integrations.models import KlaviyoPull, PullStatus, PullTrigger

AT = "2024-11-01T10:00:00.000Z"


def _consumer(**fields: Any) -> Consumer:
    created = new_consumer(ConsumerCreate(email="ana@example.com", full_name="Ana Maria Silva"), AT, Source.API)
    return created.model_copy(update=fields)


def test_what_is_pushed_and_what_klaviyo_answers_have_the_same_shared_fields() -> None:
    consumer = _consumer(address=Address(city="Lisbon", country="PT"))
    pushed = klaviyo.profile(consumer)
    # Klaviyo answers without the cleared fields, with more location keys, and may change the email's case.
    answered = {
        "email": "Ana@Example.com",
        "first_name": "Ana",
        "last_name": "Maria Silva",
        "location": {"city": "Lisbon", "country": "PT", "latitude": None, "timezone": None},
        "properties": {"clientele_id": "cons_1"},
    }
    assert klaviyo.shared(pushed) == klaviyo.shared(answered)
    assert klaviyo.fingerprint(klaviyo.shared(pushed)) == klaviyo.fingerprint(klaviyo.shared(answered))
    assert klaviyo.fingerprint({"a": 1, "b": 2}) == klaviyo.fingerprint({"b": 2, "a": 1})
    assert klaviyo.fingerprint(klaviyo.shared({**answered, "last_name": "Lima"})) != klaviyo.fingerprint(
        klaviyo.shared(pushed)
    )


def test_a_profile_with_the_consumers_fields_changes_nothing() -> None:
    consumer = _consumer()
    same = klaviyo.shared({"email": "ana@example.com", "first_name": "Ana", "last_name": "Maria Silva"})
    assert pull._changes(consumer, same) is None
    # Empty fields in Klaviyo never clear the consumer's.
    assert pull._changes(consumer, klaviyo.shared({"email": "ana@example.com"})) is None


def test_a_changed_name_sets_both_parts_and_the_full_name() -> None:
    update = pull._changes(_consumer(), klaviyo.shared({"email": "ana@example.com", "last_name": "Lima"}))
    assert update is not None
    assert update.changes() == {"first_name": "Ana", "last_name": "Lima", "full_name": "Ana Lima"}


def test_an_address_is_filled_field_by_field_and_identifiers_come_in() -> None:
    consumer = _consumer(address=Address(street="1 Main St", city="Lisbon"))
    theirs = klaviyo.shared(
        {"email": "ana@example.com", "phone_number": "+14155550101", "location": {"zip": "1000-001", "city": None}}
    )
    update = pull._changes(consumer, theirs)
    assert update is not None
    assert update.changes() == {
        "phone": "+14155550101",
        "address": Address(street="1 Main St", city="Lisbon", postal_code="1000-001"),
    }


def test_a_refused_profile_counts_failed_but_a_busy_store_retries_the_chunk(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pull.link_store, "get_link", lambda tenant, profile_id: None)
    tenant = Tenant(organization="acme", environment=Environment.SANDBOX)
    run = pull._Pull(
        KlaviyoPull(id="kpull_1", status=PullStatus.RUNNING, trigger=PullTrigger.API, list_ids=["L1"], requested_at=AT),
        0,
    )
    profile = {"id": "P1", "attributes": {"email": "ana@example.com"}}

    def refuse(error: Exception) -> None:
        def match(*_: Any) -> None:
            raise error

        monkeypatch.setattr(pull, "_match", match)

    refuse(ExternalIdAlreadyExists())
    assert pull.apply_profile(tenant, run, profile) is pull.Outcome.FAILED
    refuse(StoreBusy())
    with pytest.raises(StoreBusy):
        pull.apply_profile(tenant, run, profile)

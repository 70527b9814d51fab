"""No PII in logs (issue 5, "Prove it holds: security"), over real HTTP against the local stack.

Requests carrying emails, phones and names go through every path that handles them — create,
update, exact and word search, list search, validation errors, a duplicate, batches, an order by
email (a guest), a CSV import with a bad row, an export, the Klaviyo sync, a delete — and once all the
asynchronous work they start has run (stream functions, S3-started import, Klaviyo upserts), the
stack's whole output (the gateway, every function worker, the stream and S3 pollers) must hold none
of those values, in any of the spellings the service could log them in.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from functools import partial
from typing import Any

import requests

from clientele_client.sdk import Clientele
from clientele_local.klaviyo_standin import KlaviyoStandin
from clientele_local.testing import RunningStack
from tests.e2e.conftest import MintKey, wait_for
from tests.e2e.test_api import auth

Json = dict[str, Any]


def _wait[Value](check: Callable[[], Value | None], timeout: float = 120.0) -> Value:
    return wait_for(check, timeout, interval=0.25)


class Person:
    """One consumer's PII, unique to this run, and every form in which it could show up in a log."""

    def __init__(self, tag: str, n: int) -> None:
        self.email = f"Pii.{tag}.{n}@Example.COM"
        self.phone = f"+44 20 7946 0{n:03d}"  # Ofcom's range for drama: valid, never anyone's
        self.full_name = f"Zebedee{tag}{n} Quixote"

    def forms(self) -> list[str]:
        national = self.phone.removeprefix("+44").replace(" ", "")
        return [
            self.email.lower(),
            self.email.split("@")[0].lower(),  # the local part alone (a search word)
            self.phone,
            "+44" + national,  # E.164
            national,  # the national digits
            self.full_name.split()[0].lower(),  # the unique first name
        ]


class Api:
    def __init__(self, stack: RunningStack, key: str) -> None:
        self.stack, self.key = stack, key

    def call(self, method: str, path: str, body: Any = None, **query: str) -> requests.Response:
        url = f"{self.stack.base_url}/api/v1{path}"
        return requests.request(method, url, json=body, params=query, headers=auth(self.key), timeout=60)

    def ok(self, method: str, path: str, body: Any = None, **query: str) -> Any:
        """The answer of a request that must succeed. The Klaviyo sync writes each consumer it syncs, so a
        batch write may meet it and answer 409 consumer_changed ("retry"): it is retried, as a client would."""
        for _ in range(10):
            answer = self.call(method, path, body, **query)
            if answer.status_code != 409 or answer.json()["error"]["code"] != "consumer_changed":
                break
            time.sleep(0.5)
        assert answer.status_code in (200, 201, 202), answer.text
        return answer.json()


def test_logs_of_real_requests_hold_no_email_phone_or_name(
    stack: RunningStack, mint_key: MintKey, klaviyo: KlaviyoStandin
) -> None:
    tag = uuid.uuid4().hex[:10]
    key = mint_key(f"logs-{uuid.uuid4().hex[:8]}")
    api = Api(stack, key)
    people = [Person(tag, n) for n in range(12)]
    log_start = len(stack.output)

    # The Klaviyo sync runs for this tenant: consumer changes go through SyncKlaviyoFunction.
    api.ok("PUT", "/integrations/klaviyo", {"apiKey": "pk_e2e_logs_0001", "enabled": True})

    # Create, read, update, search (exact and by word), list search.
    ana, ben = people[0], people[1]
    created = api.ok(
        "POST",
        "/consumers",
        {
            "email": ana.email,
            "phone": ana.phone,
            "fullName": ana.full_name,
            "externalId": f"ext-{tag}",
            "metadata": {"contact": people[2].email, "mobile": people[2].phone},
            "address": {"street": "1 Privet Drive", "city": "Little Whinging"},
        },
    )
    consumer_id = created["id"]
    api.ok("GET", f"/consumers/{consumer_id}")
    api.ok("PUT", f"/consumers/{consumer_id}", {"email": ben.email, "phone": ben.phone, "fullName": ben.full_name})
    assert api.ok("GET", "/consumers/search", email=ben.email)["data"][0]["id"] == consumer_id
    assert api.ok("GET", "/consumers/search", phone=ben.phone)["data"][0]["id"] == consumer_id
    api.ok("GET", "/consumers/search", email=ana.email)  # a miss, by a value no longer held
    _wait(lambda: api.ok("GET", "/consumers/search", q=ben.full_name.split()[0])["data"])  # the stream indexed it
    api.ok("GET", "/consumers", search=ben.email.split("@")[0])

    # Errors that carry PII in the request: each is refused, and must not be logged either.
    cy = people[3]
    refusals = [
        api.call("POST", "/consumers", {"email": f"{cy.email}@@broken", "fullName": cy.full_name}),
        api.call("POST", "/consumers", {"phone": cy.phone + "99999", "fullName": cy.full_name}),
        api.call("POST", "/consumers", {"email": cy.email, "secondaryEmail": people[4].email}),
        api.call("POST", "/consumers", {"email": ben.email}),  # Email already exists
        api.call("POST", "/consumers/batch", [{"email": cy.email}, {"email": cy.email.upper()}]),  # twice in one batch
        api.call("POST", "/orders", {"email": people[4].email, "amount": -1, "currency": "EUR"}),
        api.call("GET", "/consumers/search", email="x" * 255 + people[4].email),  # too long a query
        api.call("POST", "/consumers", {"email": people[4].email, "metadata": {"k" * 41: people[4].phone}}),
    ]
    assert [answer.status_code for answer in refusals] == [400] * len(refusals), [r.text for r in refusals]

    # Batches, bulk status, an order by email (an unknown email creates a guest), a balance change.
    batch = api.ok("POST", "/consumers/batch", [{"email": p.email, "phone": p.phone} for p in people[5:8]])
    api.ok("PUT", "/consumers/batch", [{"id": c["id"], "fullName": people[8].full_name} for c in batch[:1]])
    api.ok("POST", "/consumers/bulk-status", {"consumerIds": [c["id"] for c in batch], "status": "inactive"})
    order = {"email": people[9].email, "amount": "12.50", "currency": "EUR", "externalId": f"ord-{tag}"}
    api.ok("POST", "/orders", order)
    api.ok("POST", "/orders", {**order, "externalId": f"ord2-{tag}", "email": ben.email})
    api.ok("POST", f"/consumers/{consumer_id}/balance-adjustments", {"amount": 5, "reason": "goodwill"})

    # A CSV import (S3-started, stream-chained) with a good row, a duplicate and a bad one; an export.
    client = Clientele(secret_key=key, base_url=stack.base_url)
    job = client.imports.create()
    rows = [
        "email,fullName,phone",
        f"{people[10].email},{people[10].full_name},{people[10].phone}",
        f"{ben.email},{ben.full_name},",
        f"{people[11].email}@@bad,{people[11].full_name},{people[11].phone}",
    ]
    client.imports.upload(job["uploadUrl"], ("\r\n".join(rows) + "\r\n").encode())
    finished = client.imports.wait(job["id"], interval=0.5, timeout=120)
    assert (finished["status"], finished["created"], finished["failed"]) == ("succeeded", 1, 1), finished
    # The same file again: StartImportFunction logs (its Powertools logger) that it ignores it. That
    # line shows the functions' own log output is in what this test reads.
    client.imports.upload(job["uploadUrl"], ("\r\n".join(rows) + "\r\n").encode())
    assert stack.wait_for_output("Upload ignored: its import is not awaiting a file", timeout=60)
    export = client.exports.create(fields=["phone", "metadata"], filters={"search": ben.email.split("@")[0]})
    assert client.exports.wait(export["id"], interval=0.5, timeout=120)["status"] == "succeeded"

    # The sync took every consumer of the tenant to Klaviyo (its function handled every email).
    def synced(consumer_id: str) -> bool:
        return bool(api.ok("GET", f"/consumers/{consumer_id}")["syncStatus"] == "synced")

    for synced_id in [consumer_id, *(c["id"] for c in batch)]:
        _wait(partial(synced, synced_id))
    upserted = {upsert["data"]["attributes"].get("email") for upsert in klaviyo.upserts}
    assert ben.email.lower() in {str(email).lower() for email in upserted}

    api.ok("DELETE", f"/consumers/{consumer_id}")
    time.sleep(2)  # the deletion's stream records (search entries) are handled too

    output = stack.output[log_start:]
    log = "\n".join(output)
    # The capture works: the gateway's request lines and a function's own JSON log line are in it.
    assert "[local] POST /api/v1/consumers -> 201" in log
    assert any("[StartImportFunction]" in line and '"importId"' in line for line in output)
    lowered = log.lower()
    forms = {form.lower() for person in people for form in person.forms()}
    leaks = {form: [line for line in output if form in line.lower()][:3] for form in forms if form in lowered}
    assert leaks == {}, "PII in the logs:\n" + "\n".join(f"{form}: {lines}" for form, lines in leaks.items())

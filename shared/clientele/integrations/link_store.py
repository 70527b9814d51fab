"""A Klaviyo profile's link to the consumer it is, and the consumer lookups a pull matches profiles by.

link      pk=<tenant>#KLAVIYOPROFILE#<profile id>  sk=LINK  {consumerId, shared, pushed, pullId, chunk, outcome}

Apart from the settings (store.py), so that the settings routes do not load the consumer store.
"""

from __future__ import annotations

from typing import Any

from clientele.consumers.store import PhoneEntry, UniqueValue
from clientele.core.store import dynamo
from clientele.core.store.entity import Entity
from clientele.core.tenancy import Tenant


class KlaviyoLink(Entity):
    """A Klaviyo profile and the consumer it is, with digests of the profile fields each side last
    had from the other (klaviyo.fingerprint): `shared` what Klaviyo holds of the shared fields,
    `pushed` the whole profile the consumer had. A pull that wrote it records its id and outcome."""

    kind = "KlaviyoLink"

    @staticmethod
    def key(tenant: Tenant, profile_id: str) -> dict[str, str]:
        return {"pk": f"{tenant.key_prefix}#KLAVIYOPROFILE#{profile_id}", "sk": "LINK"}


def get_link(tenant: Tenant, profile_id: str) -> dict[str, Any] | None:
    return dynamo.get_item(KlaviyoLink.key(tenant, profile_id), consistent=True)


def put_link(
    tenant: Tenant,
    profile_id: str,
    consumer_id: str,
    shared: str,
    pushed: str,
    pull: tuple[str, int, str] | None = None,
    consent: dict[str, str] | None = None,
) -> dict[str, Any]:
    """The link's Put, for the transaction that writes the consumer; `pull` = (pull id, chunk, outcome)
    when a pull writes it, so that the chunk run again after being cut short counts it as it did;
    `consent`: the consent states Klaviyo was last told, by channel (a sync writes it)."""
    fields: dict[str, Any] = {"consumerId": consumer_id, "shared": shared, "pushed": pushed}
    if consent:
        fields["consent"] = consent
    if pull is not None:
        fields |= {"pullId": pull[0], "chunk": pull[1], "outcome": pull[2]}
    return dynamo.put(KlaviyoLink.item(KlaviyoLink.key(tenant, profile_id), fields))


def drop_link(tenant: Tenant, profile_id: str) -> None:
    """Forgets the link (an erased consumer's profile)."""
    dynamo.batch_write(puts=[], deletes=[KlaviyoLink.key(tenant, profile_id)])


def consumer_with_email(tenant: Tenant, email: str) -> str | None:
    """The id of the consumer holding the email (its uniqueness claim), read consistently."""
    claim = dynamo.get_item(UniqueValue.email_key(tenant, email), consistent=True)
    return str(claim["consumerId"]) if claim else None


def consumer_with_phone(tenant: Tenant, phone: str) -> str | None:
    """The id of the oldest consumer holding the phone number (phones are not unique)."""
    holders = dynamo.query(
        key_condition="pk = :pk", values={":pk": PhoneEntry.partition(tenant, phone)}, limit=1, consistent=True
    )
    return str(holders[0]["sk"]) if holders else None

"""Shopify customers as consumers: the customer in both of Shopify's shapes (the GraphQL Admin API's
Customer, and the JSON of the customers/create and customers/update webhooks), and `apply`, which
makes the tenant's consumers agree with one customer.

The mapping: firstName, lastName (fullName follows them when it was built from them), the default
email and phone, the default address, tags, and the account state (ENABLED: a member; Shopify taking
an account away makes a guest again). A value Shopify does not have (no phone) leaves the consumer's
own; a tag or an account Shopify takes away goes, while those set in Clientele stay.

Linking: a customer is the consumer its claim names (customer_store), else the consumer with the
same email, else with the same phone, else a new consumer (`source` shopify). The claim is written
in the same transaction as the consumer, on condition nobody holds it: of any number of applies of
one new customer at once, one creates and the others find its claim and link to the same consumer.
An apply whose customer is older (updatedAt) than the one the claim last took is `stale`.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field, field_validator

from clientele.consumers import service
from clientele.consumers import store as consumer_store
from clientele.consumers.enums import Membership, Source
from clientele.consumers.models import Address, Consumer
from clientele.core import clock, normalize
from clientele.core.errors import EmailAlreadyExists, ValidationFailed
from clientele.core.store import dynamo
from clientele.core.tenancy import Tenant
from clientele.shopify import customer_store as store

GID_PREFIX = "gid://shopify/Customer/"
MAX_TAGS = 100
MAX_TAG_LENGTH = 64
MAX_TEXT = 200
MAX_POSTAL_CODE = 20
NO_CONTACT = "a Shopify customer without a valid email or phone cannot become a consumer"


class Outcome(StrEnum):
    CREATED = "created"  # a new consumer
    UPDATED = "updated"  # an existing consumer changed, or was linked to the customer
    UNCHANGED = "unchanged"  # the consumer already says what the customer says
    STALE = "stale"  # older than what the link last took: ignored


def shopify_id_of(value: Any) -> str:
    """The numeric id of a customer id given as a number, digits, or a GID (`gid://shopify/Customer/1`)."""
    text = str(value).strip()
    text = text.removeprefix(GID_PREFIX)
    if not text.isdigit() or len(text) > 20 or isinstance(value, bool):
        raise ValueError(f"not a Shopify customer id: {str(value)[:60]!r}")
    return text


def _text(value: Any, limit: int = MAX_TEXT) -> str | None:
    if value is None:
        return None
    text = str(value).strip()[:limit].strip()
    return text or None


def _email(value: Any) -> str | None:
    text = _text(value, 254)
    if text is None:
        return None
    try:
        return normalize.email(text)
    except ValueError:
        return None  # Shopify takes addresses Clientele would refuse: such a customer keeps the consumer's


def _phone(value: Any) -> str | None:
    text = _text(value, 32)
    if text is None:
        return None
    try:
        return normalize.phone(text)
    except ValueError:
        return None


def _instant(value: Any) -> str:
    """Shopify's ISO 8601 (`2025-10-01T08:00:00-04:00`, `…Z`) as the stored UTC format."""
    from datetime import UTC, datetime

    moment = datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
    return clock.format_instant(moment if moment.tzinfo else moment.replace(tzinfo=UTC))


def _tags(value: Any) -> list[str] | None:
    """Tags as a list, or as the webhook's comma-separated text; None when not given."""
    if value is None:
        return None
    parts = value.split(",") if isinstance(value, str) else [str(part) for part in value]
    tags = [part.strip()[:MAX_TAG_LENGTH].strip() for part in parts]
    return list(dict.fromkeys(tag for tag in tags if tag))[:MAX_TAGS]


class ShopifyCustomer(BaseModel):
    """One Shopify customer, as much of it as Clientele keeps. `tags` None: the payload did not say
    (the customers/* webhooks carry no tags since API version 2025-01), so they stay as they are."""

    shopify_id: str
    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    phone: str | None = None
    address: Address | None = None
    tags: list[str] | None = Field(default=None)
    enabled: bool = False
    updated_at: str

    @field_validator("shopify_id", mode="before")
    @classmethod
    def _id(cls, value: Any) -> str:
        return shopify_id_of(value)

    @field_validator("first_name", "last_name", mode="before")
    @classmethod
    def _name(cls, value: Any) -> str | None:
        return _text(value)

    @field_validator("email", mode="before")
    @classmethod
    def _valid_email(cls, value: Any) -> str | None:
        return _email(value)

    @field_validator("phone", mode="before")
    @classmethod
    def _valid_phone(cls, value: Any) -> str | None:
        return _phone(value)

    @field_validator("tags", mode="before")
    @classmethod
    def _tag_list(cls, value: Any) -> list[str] | None:
        return _tags(value)

    @field_validator("updated_at", mode="before")
    @classmethod
    def _updated(cls, value: Any) -> str:
        return _instant(value)

    @classmethod
    def from_graphql(cls, node: dict[str, Any]) -> ShopifyCustomer:
        """The GraphQL Admin API's Customer (2025-10): id (a GID), firstName, lastName,
        defaultEmailAddress{emailAddress}, defaultPhoneNumber{phoneNumber}, defaultAddress{address1
        address2 city province zip country countryCodeV2}, tags, state, updatedAt."""
        email = (node.get("defaultEmailAddress") or {}).get("emailAddress") or node.get("email")
        phone = (node.get("defaultPhoneNumber") or {}).get("phoneNumber") or node.get("phone")
        address = node.get("defaultAddress")
        return cls(
            shopify_id=node["id"],
            first_name=node.get("firstName"),
            last_name=node.get("lastName"),
            email=email,
            phone=phone,
            address=_address(address, code="countryCodeV2", province_code="provinceCode") if address else None,
            tags=node.get("tags"),
            enabled=str(node.get("state") or "").upper() == "ENABLED",
            updated_at=node["updatedAt"],
        )

    @classmethod
    def from_webhook(cls, payload: dict[str, Any]) -> ShopifyCustomer:
        """The JSON of customers/create and customers/update: id (a number), first_name, last_name,
        email, phone, default_address{address1 address2 city province zip country country_code},
        tags (comma-separated; absent since 2025-01), state ("enabled", "disabled", "invited",
        "declined"), updated_at."""
        email = payload.get("email") or (payload.get("default_email_address") or {}).get("email_address")
        phone = payload.get("phone") or (payload.get("default_phone_number") or {}).get("phone_number")
        address = payload.get("default_address")
        return cls(
            shopify_id=payload.get("admin_graphql_api_id") or payload["id"],
            first_name=payload.get("first_name"),
            last_name=payload.get("last_name"),
            email=email,
            phone=phone,
            address=_address(address, code="country_code", province_code="province_code") if address else None,
            tags=payload.get("tags"),
            enabled=str(payload.get("state") or "").lower() == "enabled",
            updated_at=payload["updated_at"],
        )


def _address(shopify: dict[str, Any], *, code: str, province_code: str) -> Address | None:
    """Shopify's address as Clientele's: street from address1 and address2, the country's ISO code
    (else its name), the province's name (else its code)."""
    street = ", ".join(part for part in (_text(shopify.get("address1")), _text(shopify.get("address2"))) if part)
    address = Address(
        street=_text(street),
        city=_text(shopify.get("city")),
        region=_text(shopify.get("province")) or _text(shopify.get(province_code)),
        postal_code=_text(shopify.get("zip"), MAX_POSTAL_CODE),
        country=_text(shopify.get(code)) or _text(shopify.get("country")),
    )
    return address if address.model_dump(exclude_none=True) else None


# ---------------------------------------------------------------- applying a customer


def consumer_for(tenant: Tenant, shopify_id: str) -> Consumer | None:
    """The consumer tied to the Shopify customer: one GetItem on the claim, one on the consumer."""
    claim = store.get_claim(tenant, shopify_id_of(shopify_id))
    return consumer_store.get(tenant, str(claim["consumerId"])) if claim else None


def apply(tenant: Tenant, customer: ShopifyCustomer, seen: store.Seen | None = None) -> Outcome:
    """Makes the tenant's consumers agree with the customer (see the module's docstring). Every write
    is conditional on what was read; a write overtaken by another is read and tried again. `seen`:
    the customer's claim and email holder as a batch read them (customer_store.look_up), which the
    first attempt takes instead of reading them itself (a stale one fails its write's condition)."""
    first = [seen]

    def attempt(keep_email: bool) -> Outcome:
        looked_up, first[0] = first[0], None  # every later attempt reads afresh
        return _apply(tenant, customer, keep_email=keep_email, seen=looked_up)

    try:
        return service.retrying(lambda: attempt(False))
    except EmailAlreadyExists:
        # The customer's new email is another consumer's: everything else still applies.
        return service.retrying(lambda: attempt(True))


def _claim_fields(customer: ShopifyCustomer, claim: dict[str, Any] | None) -> dict[str, Any]:
    tags = customer.tags if customer.tags is not None else (claim or {}).get("shopifyTags")
    return {"shopifyUpdatedAt": customer.updated_at, "shopifyTags": tags, "shopifyEnabled": customer.enabled}


def _apply(tenant: Tenant, customer: ShopifyCustomer, *, keep_email: bool, seen: store.Seen | None) -> Outcome:
    claim = seen.claim if seen is not None else store.get_claim(tenant, customer.shopify_id)
    if claim is not None and customer.updated_at < str(claim.get("shopifyUpdatedAt", "")):
        return Outcome.STALE
    consumer = consumer_store.get(tenant, str(claim["consumerId"])) if claim else None
    if claim is not None and consumer is not None:
        return _update(tenant, customer, claim, consumer, keep_email=keep_email)
    dead_owner = str(claim["consumerId"]) if claim is not None else None  # the consumer was deleted since
    found = _by_email_or_phone(tenant, customer, seen)
    if found is not None:
        return _link(tenant, customer, found, dead_owner, keep_email=keep_email)
    return _create(tenant, customer, dead_owner)


def _by_email_or_phone(tenant: Tenant, customer: ShopifyCustomer, seen: store.Seen | None) -> Consumer | None:
    """The consumer with the customer's email, else the (earliest created) one with its phone."""
    for consumer_id in store.holders_of(tenant, customer.email, customer.phone, seen):
        found = consumer_store.get(tenant, consumer_id)
        if found is not None:
            return found
    return None


def _mapped(
    consumer: Consumer, customer: ShopifyCustomer, said: dict[str, Any] | None, *, keep_email: bool, now: str
) -> Consumer:
    """The consumer with the customer's values applied (`said`: what Shopify said last time)."""
    from clientele.consumers.requests import ConsumerUpdate

    changes: dict[str, Any] = {}
    for name in ("first_name", "last_name", "phone", "address"):
        value = getattr(customer, name)
        if value is not None and value != getattr(consumer, name):
            changes[name] = value
    if not keep_email and customer.email is not None and customer.email != consumer.email:
        changes["email"] = customer.email
    if customer.tags is not None:
        taken_away = set((said or {}).get("shopifyTags") or []) - set(customer.tags)
        kept = [tag for tag in consumer.tags if tag not in taken_away]
        tags = list(dict.fromkeys([*kept, *customer.tags]))[:MAX_TAGS]
        if tags != consumer.tags:
            changes["tags"] = tags
    if customer.enabled and consumer.membership != Membership.MEMBER:
        changes["membership"] = Membership.MEMBER
    elif not customer.enabled and (said or {}).get("shopifyEnabled") and consumer.membership == Membership.MEMBER:
        changes["membership"] = Membership.GUEST  # Shopify took the account away
    if not changes:
        return consumer
    return service.changed(consumer, ConsumerUpdate(**changes), now)


def _same(before: Consumer, after: Consumer) -> bool:
    return before.version == after.version


def _update(
    tenant: Tenant, customer: ShopifyCustomer, claim: dict[str, Any], consumer: Consumer, *, keep_email: bool
) -> Outcome:
    after = _mapped(consumer, customer, claim, keep_email=keep_email, now=clock.now())
    fields = _claim_fields(customer, claim)
    unchanged_claim = all(claim.get(name) == value for name, value in fields.items())
    if _same(consumer, after):
        if not unchanged_claim:  # newer, but saying the same: remember it, so older ones are stale
            service.commit_or_reread([store.claim_moved(tenant, customer.shopify_id, claim, fields)])
        return Outcome.UNCHANGED
    write = service.replace_write(tenant, consumer, after)
    write.add(store.claim_moved(tenant, customer.shopify_id, claim, fields), consumer_store.ConsumerChanged)
    consumer_store.commit(write)
    return Outcome.UPDATED


def _link(
    tenant: Tenant, customer: ShopifyCustomer, consumer: Consumer, dead_owner: str | None, *, keep_email: bool
) -> Outcome:
    """Ties the customer to an existing consumer (same email or phone), applying its values."""
    after = _mapped(consumer, customer, None, keep_email=keep_email, now=clock.now())
    claim = store.claim_put(
        tenant, customer.shopify_id, consumer.id, _claim_fields(customer, None), replacing=dead_owner
    )
    if _same(consumer, after):  # nothing to change: the consumer must still be there, as read
        guard = dynamo.condition_check(
            consumer_store.ConsumerRecord.key(tenant, consumer.id),
            "attribute_exists(pk) AND version = :version",
            {":version": consumer.version},
        )
        write = consumer_store.Write([guard], [consumer_store.ConsumerChanged])
    else:
        write = service.replace_write(tenant, consumer, after)
    write.add(claim, consumer_store.ConsumerChanged)
    write.add(store.identity_put(tenant, consumer.id, customer.shopify_id), consumer_store.ConsumerChanged)
    consumer_store.commit(write)
    return Outcome.UPDATED


def _create(tenant: Tenant, customer: ShopifyCustomer, dead_owner: str | None) -> Outcome:
    from clientele.consumers.requests import ConsumerCreate

    if customer.email is None and customer.phone is None:
        raise ValidationFailed(details=[{"field": "email", "message": NO_CONTACT}])
    request = ConsumerCreate(
        email=customer.email,
        phone=customer.phone,
        first_name=customer.first_name,
        last_name=customer.last_name,
        address=customer.address,
        tags=customer.tags or [],
        membership=Membership.MEMBER if customer.enabled else Membership.GUEST,
    )
    consumer = service.new_consumer(request, clock.now(), Source.SHOPIFY)
    write = consumer_store.insert_write(tenant, consumer)
    write.add(
        store.claim_put(tenant, customer.shopify_id, consumer.id, _claim_fields(customer, None), replacing=dead_owner),
        consumer_store.ConsumerChanged,
    )
    write.add(store.identity_put(tenant, consumer.id, customer.shopify_id), consumer_store.ConsumerChanged)
    try:
        consumer_store.commit(write)
    except EmailAlreadyExists:
        raise consumer_store.ConsumerChanged() from None  # created meanwhile: read again, and link to it
    return Outcome.CREATED

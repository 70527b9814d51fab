"""Tenant isolation as a property: random sequences of API operations by two organizations in both of
their environments (four tenants, keys minted by the CLI) never show one tenant another's data.

A hypothesis state machine drives consumers (create, get, update, delete, list, exact and word
search, bulk status), orders (by id or by an email that other tenants also hold), audiences and
their members, loyalty points, exports and cursors, each step by one tenant and often naming
another tenant's ids, emails, audience or cursor. A model of what each tenant holds is kept
alongside; the server's state carries over from one example to the next, and so does the model.

What must hold, after every step:
- no response to a tenant holds an id that another tenant's responses showed first, nor the marker
  word that every other tenant's emails, external ids and names carry (what the request itself
  named is left out: an error may echo it);
- another tenant's consumer, order, audience, program or export is `404` (or `400` in a batch) and
  stays as it was; another tenant's cursor is `400`;
- uniqueness is per tenant: an email or externalId that another tenant holds is free here;
- counts are the tenant's own: a list walk is exactly its live consumers (or audience members),
  `memberCount`, `totalOrders` and loyalty points are the model's, exact lookups find only its own.

Sizes: ISOLATION_EXAMPLES sequences of ISOLATION_STEPS steps, seeded with ISOLATION_SEED; no
shrinking (the server's state cannot be replayed), so a failure shows the steps that led to it.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, ClassVar, TypeVar

import pytest
import requests
from hypothesis import HealthCheck, Phase, seed, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, rule, run_state_machine_as_test

from clientele_local.testing import RunningStack
from tests.e2e.conftest import MintKey
from tests.fuzz.api import Api
from tests.fuzz.conftest import env_int
from tests.fuzz.report import ISOLATION

pytestmark = pytest.mark.e2e

EXAMPLES = env_int("ISOLATION_EXAMPLES", 4)
STEPS = env_int("ISOLATION_STEPS", 25)
SEED = env_int("ISOLATION_SEED", 20261123)

# Two organizations whose names share a prefix, each in both environments.
TENANTS = (("iso", "sandbox"), ("iso", "live"), ("iso-b", "sandbox"), ("iso-b", "live"))
# A word in every unique email, externalId and name of a tenant: seeing it elsewhere is a leak.
MARKERS = ("alphamark", "bravomark", "charliemark", "deltamark")
SHARED = 3  # shared0@example.com … shared2@example.com, ext-shared-0 …: held by several tenants at once
ID = re.compile(r"\b[a-z]{2,6}_[0-9A-HJKMNP-TV-Z]{26}\b")  # prefix + ULID, as every API id
MAX_AUDIENCES = 25  # per consumer
TENANT = st.integers(0, len(TENANTS) - 1)


@dataclass
class ConsumerModel:
    email: str | None
    external_id: str | None
    phone: str | None
    full_name: str | None
    status: str = "active"
    orders: int = 0
    points: int = 0
    email_consent: str = "never_subscribed"


@dataclass
class TenantModel:
    name: str
    marker: str
    api: Api
    program: str = ""
    consumers: dict[str, ConsumerModel] = field(default_factory=dict)  # live ones
    gone: list[str] = field(default_factory=list)  # deleted consumers
    audiences: dict[str, set[str]] = field(default_factory=dict)  # live audience -> members
    gone_audiences: list[str] = field(default_factory=list)
    orders: dict[str, str] = field(default_factory=dict)  # order -> consumer
    exports: list[str] = field(default_factory=list)
    webhooks: list[str] = field(default_factory=list)  # live webhook endpoints
    downloaded: set[str] = field(default_factory=set)  # exports whose file was read
    counter: int = 0

    def next(self) -> int:
        self.counter += 1
        return self.counter

    def by_email(self, email: str) -> str | None:
        return next((cid for cid, c in self.consumers.items() if c.email and c.email.lower() == email.lower()), None)

    def by_external_id(self, external_id: str) -> str | None:
        return next((cid for cid, c in self.consumers.items() if c.external_id == external_id), None)

    def memberships(self, consumer_id: str) -> set[str]:
        return {audience for audience, members in self.audiences.items() if consumer_id in members}


@dataclass
class World:
    tenants: list[TenantModel]
    owner: dict[str, int] = field(default_factory=dict)  # every id seen -> the tenant whose response showed it

    def others(self, index: int) -> Iterator[TenantModel]:
        return (tenant for number, tenant in enumerate(self.tenants) if number != index)

    def scan(self, index: int, where: str, sent: str, text: str) -> None:
        """No id that another tenant's answers showed first, no other tenant's marker, unless `sent` names it."""
        sent, lowered = sent.lower(), text.lower()  # emails may be sent in capitals
        for token in set(ID.findall(text)):
            owner = self.owner.setdefault(token, index)
            if owner != index and token.lower() not in sent:
                raise AssertionError(f"LEAK {where}: holds {self.tenants[owner].name}'s id {token}\n{text}")
        for other in self.others(index):
            if other.marker in lowered and other.marker not in sent:
                raise AssertionError(f"LEAK {where}: holds {other.name}'s data ({other.marker})\n{text}")


Method = TypeVar("Method", bound=Callable[..., None])
OPERATIONS: dict[str, dict[str, st.SearchStrategy[Any]]] = {}  # name -> its arguments, in definition order


def operation(**arguments: st.SearchStrategy[Any]) -> Callable[[Method], Method]:
    """Registers a machine method as an operation a step may run (see IsolationMachine.one_step)."""

    def register(method: Method) -> Method:
        OPERATIONS[method.__name__] = arguments
        return method

    return register


def _pick(pool: list[str], choice: int) -> str | None:
    return pool[choice % len(pool)] if pool else None


class IsolationMachine(RuleBasedStateMachine):
    world: ClassVar[World]

    # --- plumbing -------------------------------------------------------------------------------

    def call(
        self, index: int, method: str, path: str, *, json_body: Any = None, params: dict[str, Any] | None = None
    ) -> requests.Response:
        """One request by tenant `index`, then the leak scan of its answer."""
        tenant = self.world.tenants[index]
        response = tenant.api.call(method, path, json=json_body, params=params)
        ISOLATION.requests += 1
        ISOLATION.responses_scanned += 1
        where = f"{tenant.name}: {method} {path} {params or ''} {json_body or ''} -> {response.status_code}"
        self.world.scan(index, where, f"{path} {json.dumps(params)} {json.dumps(json_body)}", response.text)
        assert response.status_code < 500, f"{where}\n{response.text}"
        return response

    def expect(self, response: requests.Response, *statuses: int) -> Any:
        assert response.status_code in statuses, (
            f"{response.request.method} {response.request.url} {response.request.body!r} -> "
            f"{response.status_code}, expected {statuses}: {response.text}"
        )
        return response.json() if response.content else None

    def consumer_pool(self, index: int, foreign: bool) -> list[str]:
        """Another tenant's consumers (live or deleted), or this tenant's (live first, then deleted)."""
        if foreign:
            return [cid for other in self.world.others(index) for cid in [*other.consumers, *other.gone]]
        tenant = self.world.tenants[index]
        return [*tenant.consumers, *tenant.gone]

    def choose_consumers(self, index: int, picks: list[tuple[int, bool]]) -> list[str]:
        """Distinct consumers, each this tenant's or another's as its flag says."""
        chosen = [_pick(self.consumer_pool(index, foreign), choice) for choice, foreign in picks]
        return list(dict.fromkeys(cid for cid in chosen if cid is not None))

    def owner_of(self, consumer_id: str) -> TenantModel | None:
        index = self.world.owner.get(consumer_id)
        return None if index is None else self.world.tenants[index]

    def assert_consumer_as_modelled(self, index: int, consumer_id: str) -> None:
        """The owner reads the consumer exactly as the model has it: nobody else changed it."""
        tenant = self.world.tenants[index]
        model = tenant.consumers.get(consumer_id)
        body = self.expect(self.call(index, "GET", f"/consumers/{consumer_id}"), 200 if model else 404)
        if model is None:
            return
        ISOLATION.exact_counts += 1
        seen = {
            "email": body["email"],
            "externalId": body["externalId"],
            "fullName": body["fullName"],
            "status": body["status"],
            "totalOrders": body["totalOrders"],
            "points": body["loyalty"]["points"],
            "emailConsent": body["consent"]["email"]["state"],
        }
        wanted = {
            "email": model.email.lower() if model.email else None,
            "externalId": model.external_id,
            "fullName": model.full_name,
            "status": model.status,
            "totalOrders": model.orders,
            "points": model.points,
            "emailConsent": model.email_consent,
        }
        if seen["email"]:
            seen["email"] = seen["email"].lower()
        assert seen == wanted, f"{tenant.name} {consumer_id}: {seen} != model {wanted}"
        # Audience joins are at once; an audience's deletion reaches its members through the stream.
        own_audiences = {*tenant.audiences, *tenant.gone_audiences}
        assert set(body["audienceIds"]) <= own_audiences, body["audienceIds"]
        assert set(body["audienceIds"]) & set(tenant.audiences) == tenant.memberships(consumer_id)

    # --- setup ----------------------------------------------------------------------------------

    @initialize()
    def start(self) -> None:
        ISOLATION.examples += 1

    @rule(data=st.data())
    def one_step(self, data: st.DataObject) -> None:
        """Each step draws its operation uniformly (steps are few per run: hypothesis's own rule choice,
        swarm testing, leaves several operations out of a short run), then that operation's arguments."""
        name = data.draw(st.sampled_from(list(OPERATIONS)), label="operation")
        arguments = data.draw(st.fixed_dictionaries(OPERATIONS[name]), label=name)
        getattr(self, name)(**arguments)

    # --- consumers ------------------------------------------------------------------------------

    @operation(
        index=TENANT,
        email=st.sampled_from(["shared", "own", "none"]),
        external=st.sampled_from(["shared", "own", "none"]),
        shared=st.integers(0, SHARED - 1),
        phone=st.booleans(),
        upper=st.booleans(),
    )
    def create_consumer(self, index: int, email: str, external: str, shared: int, phone: bool, upper: bool) -> None:
        ISOLATION.steps["create_consumer"] += 1
        tenant = self.world.tenants[index]
        number = tenant.next()
        address = {"shared": f"shared{shared}@example.com", "own": f"u{number}.{tenant.marker}@example.com"}.get(email)
        if address is None and external == "none":
            address = f"u{number}.{tenant.marker}@example.com"
        if address and upper:
            address = address.upper()  # emails are unique case-insensitively
        external_id = {"shared": f"ext-shared-{shared}", "own": f"ext-{tenant.marker}-{number}"}.get(external)
        body: dict[str, Any] = {"fullName": f"Pat {tenant.marker} {number}"}
        if address:
            body["email"] = address
        if external_id:
            body["externalId"] = external_id
        if phone:
            body["phone"] = f"+1 415 555 {1000 + shared}"
        clash = bool(address and tenant.by_email(address)) or bool(external_id and tenant.by_external_id(external_id))
        if address and any(other.by_email(address) for other in self.world.others(index)):
            ISOLATION.foreign_probes += 1  # the same email in another tenant must not clash
        created = self.expect(self.call(index, "POST", "/consumers", json_body=body), 400 if clash else 201)
        if clash:
            return
        tenant.consumers[created["id"]] = ConsumerModel(
            address, external_id, f"+1415555{1000 + shared}" if phone else None, body["fullName"]
        )

    @operation(index=TENANT, choice=st.integers(0, 10**6), foreign=st.booleans())
    def get_consumer(self, index: int, choice: int, foreign: bool) -> None:
        ISOLATION.steps["get_consumer"] += 1
        consumer_id = _pick(self.consumer_pool(index, foreign), choice)
        if consumer_id is None:
            return
        if foreign:
            ISOLATION.foreign_probes += 1
            self.expect(self.call(index, "GET", f"/consumers/{consumer_id}"), 404)
        else:
            self.assert_consumer_as_modelled(index, consumer_id)

    @operation(index=TENANT, choice=st.integers(0, 10**6), foreign=st.booleans())
    def update_consumer(self, index: int, choice: int, foreign: bool) -> None:
        ISOLATION.steps["update_consumer"] += 1
        consumer_id = _pick(self.consumer_pool(index, foreign), choice)
        if consumer_id is None:
            return
        tenant = self.world.tenants[index]
        name = f"Renamed {tenant.marker} {tenant.next()}"
        response = self.call(index, "PUT", f"/consumers/{consumer_id}", json_body={"fullName": name})
        model = tenant.consumers.get(consumer_id)
        self.expect(response, 200 if model else 404)
        if model:
            model.full_name = name
        owner = self.owner_of(consumer_id)
        if foreign and owner is not None:
            ISOLATION.foreign_probes += 1
            self.assert_consumer_as_modelled(self.world.tenants.index(owner), consumer_id)

    @operation(index=TENANT, choice=st.integers(0, 10**6), foreign=st.booleans())
    def delete_consumer(self, index: int, choice: int, foreign: bool) -> None:
        ISOLATION.steps["delete_consumer"] += 1
        consumer_id = _pick(self.consumer_pool(index, foreign), choice)
        if consumer_id is None:
            return
        tenant = self.world.tenants[index]
        model = tenant.consumers.get(consumer_id)
        self.expect(self.call(index, "DELETE", f"/consumers/{consumer_id}"), 200 if model else 404)
        if model:
            del tenant.consumers[consumer_id]
            tenant.gone.append(consumer_id)
            for members in tenant.audiences.values():
                members.discard(consumer_id)
        owner = self.owner_of(consumer_id)
        if foreign and owner is not None:
            ISOLATION.foreign_probes += 1
            self.assert_consumer_as_modelled(self.world.tenants.index(owner), consumer_id)

    @operation(index=TENANT, status=st.sampled_from([None, "active", "inactive"]))
    def list_consumers(self, index: int, status: str | None) -> None:
        ISOLATION.steps["list_consumers"] += 1
        tenant = self.world.tenants[index]
        params = {"first": 100} | ({"status": status} if status else {})
        seen = self.walk(index, "/consumers", params)
        wanted = {cid for cid, c in tenant.consumers.items() if status is None or c.status == status}
        ISOLATION.exact_counts += 1
        assert seen == wanted, f"{tenant.name} list {params}: {len(seen)} ids, model {len(wanted)}"

    def walk_items(self, index: int, path: str, params: dict[str, Any]) -> list[dict[str, Any]]:
        """Every item of a list, page after page; no id twice."""
        items: list[dict[str, Any]] = []
        query = dict(params)
        for _ in range(100):
            page = self.expect(self.call(index, "GET", path, params=query), 200)
            items += page["data"]
            if not page["pageInfo"]["endCursor"]:
                ids = [item["id"] for item in items]
                assert len(ids) == len(set(ids)), f"{path}: an id twice"
                return items
            query["after"] = page["pageInfo"]["endCursor"]
        raise AssertionError(f"{path} {params}: more than 100 pages")

    def walk(self, index: int, path: str, params: dict[str, Any]) -> set[str]:
        return {item["id"] for item in self.walk_items(index, path, params)}

    @operation(
        index=TENANT,
        kind=st.sampled_from(["email", "externalId", "phone"]),
        whose=st.sampled_from(["shared", "own", "foreign"]),
        shared=st.integers(0, SHARED - 1),
        choice=st.integers(0, 10**6),
    )
    def exact_search(self, index: int, kind: str, whose: str, shared: int, choice: int) -> None:
        """/consumers/search never lags: it finds exactly this tenant's consumers with the value."""
        ISOLATION.steps["exact_search"] += 1
        tenant = self.world.tenants[index]
        if whose == "shared":
            value = {"email": f"SHARED{shared}@example.com", "externalId": f"ext-shared-{shared}"}.get(
                kind, f"+1 (415) 555-{1000 + shared}"
            )
        else:
            holders = [tenant] if whose == "own" else list(self.world.others(index))
            values = [
                getattr(c, {"email": "email", "externalId": "external_id", "phone": "phone"}[kind])
                for holder in holders
                for c in holder.consumers.values()
            ]
            nobody = "+14155550100" if kind == "phone" else f"nobody-{tenant.marker}@example.com"  # held by none
            value = _pick([v for v in values if v], choice) or nobody
            ISOLATION.foreign_probes += whose == "foreign"
        page = self.expect(self.call(index, "GET", "/consumers/search", params={kind: value}), 200)
        found = {item["id"] for item in page["data"]}
        if kind == "email":
            wanted = {tenant.by_email(value)} - {None}
        elif kind == "externalId":
            wanted = {tenant.by_external_id(value)} - {None}
        else:
            digits = "+" + re.sub(r"\D", "", value)
            wanted = {cid for cid, c in tenant.consumers.items() if c.phone == digits}
        ISOLATION.exact_counts += 1
        assert found == wanted, f"{tenant.name} search {kind}={value}: {found} != model {wanted}"

    @operation(index=TENANT, word=st.sampled_from(["pat", "shared", "example", "renamed", *MARKERS]))
    def search_words(self, index: int, word: str) -> None:
        """Word search follows the stream (a second or so): whatever it finds is this tenant's."""
        ISOLATION.steps["search_words"] += 1
        tenant = self.world.tenants[index]
        ISOLATION.foreign_probes += word in MARKERS and word != tenant.marker
        found = self.walk(index, "/consumers", {"search": word, "first": 100})
        assert found <= {*tenant.consumers, *tenant.gone}, f"{tenant.name} search {word}: {found}"

    @operation(
        index=TENANT,
        ids=st.lists(st.tuples(st.integers(0, 10**6), st.booleans()), min_size=1, max_size=4),
        status=st.sampled_from(["active", "inactive"]),
    )
    def bulk_status(self, index: int, ids: list[tuple[int, bool]], status: str) -> None:
        ISOLATION.steps["bulk_status"] += 1
        tenant = self.world.tenants[index]
        chosen = self.choose_consumers(index, ids)
        if not chosen:
            return
        valid = all(cid in tenant.consumers for cid in chosen)
        body = {"consumerIds": chosen, "status": status}
        response = self.call(index, "POST", "/consumers/bulk-status", json_body=body)
        if valid:
            self.expect(response, 200)
            for cid in chosen:
                tenant.consumers[cid].status = status
        else:
            ISOLATION.foreign_probes += 1
            self.expect(response, 400, 404)
        for cid in chosen:
            owner = self.owner_of(cid)
            if owner is not None:
                self.assert_consumer_as_modelled(self.world.tenants.index(owner), cid)

    # --- orders ---------------------------------------------------------------------------------

    @operation(index=TENANT, choice=st.integers(0, 10**6), foreign=st.booleans(), by_email=st.booleans())
    def create_order(self, index: int, choice: int, foreign: bool, by_email: bool) -> None:
        ISOLATION.steps["create_order"] += 1
        tenant = self.world.tenants[index]
        body: dict[str, Any] = {"amount": "10.00", "currency": "USD"}
        if by_email:
            # Another tenant may hold this email: the order is this tenant's consumer's, or a new guest.
            email = f"shared{choice % SHARED}@example.com"
            body["email"] = email
            target = tenant.by_email(email)
            order = self.expect(self.call(index, "POST", "/orders", json_body=body), 201)
            if target is None:
                ISOLATION.foreign_probes += any(other.by_email(email) for other in self.world.others(index))
                target = order["consumerId"]
                assert target not in self.world.owner or self.world.owner[target] == index
                tenant.consumers[target] = ConsumerModel(email, None, None, None)
                guest = self.expect(self.call(index, "GET", f"/consumers/{target}"), 200)
                tenant.consumers[target].full_name = guest["fullName"]
            assert order["consumerId"] == target
        else:
            consumer_id = _pick(self.consumer_pool(index, foreign), choice)
            if consumer_id is None:
                return
            body["consumerId"] = consumer_id
            response = self.call(index, "POST", "/orders", json_body=body)
            if consumer_id not in tenant.consumers:
                ISOLATION.foreign_probes += foreign
                self.expect(response, 404)
                owner = self.owner_of(consumer_id)
                if owner is not None:
                    self.assert_consumer_as_modelled(self.world.tenants.index(owner), consumer_id)
                return
            order = self.expect(response, 201)
            target = consumer_id
        tenant.orders[order["id"]] = target
        tenant.consumers[target].orders += 1
        self.assert_consumer_as_modelled(index, target)

    @operation(index=TENANT, choice=st.integers(0, 10**6), foreign=st.booleans(), refund=st.booleans())
    def read_or_refund_order(self, index: int, choice: int, foreign: bool, refund: bool) -> None:
        """Own orders read back; another tenant's are 404, to read and to refund."""
        ISOLATION.steps["read_or_refund_order"] += 1
        tenant = self.world.tenants[index]
        pool = [oid for other in self.world.others(index) for oid in other.orders] if foreign else list(tenant.orders)
        order_id = _pick(pool, choice)
        if order_id is None:
            return
        if not foreign:
            order = self.expect(self.call(index, "GET", f"/orders/{order_id}"), 200)
            assert order["consumerId"] == tenant.orders[order_id]
            return
        ISOLATION.foreign_probes += 1
        if refund:  # every write on another tenant's order: refund, return, close, cancel
            self.expect(self.call(index, "POST", f"/orders/{order_id}/refunds", json_body={}), 404)
            items = {"items": [{"position": 0, "quantity": 1}]}
            self.expect(self.call(index, "POST", f"/orders/{order_id}/returns", json_body=items), 404)
            for action in ("close", "cancel"):
                self.expect(self.call(index, "POST", f"/orders/{order_id}/{action}", json_body={}), 404)
        else:
            self.expect(self.call(index, "GET", f"/orders/{order_id}"), 404)

    # --- audiences ------------------------------------------------------------------------------

    @operation(index=TENANT, described=st.booleans(), shared_name=st.booleans())
    def create_audience(self, index: int, described: bool, shared_name: bool) -> None:
        ISOLATION.steps["create_audience"] += 1
        tenant = self.world.tenants[index]
        body: dict[str, Any] = {"name": "Newsletter" if shared_name else f"Audience {tenant.marker} {tenant.next()}"}
        if described:
            body["description"] = f"for {tenant.marker}"
        audience = self.expect(self.call(index, "POST", "/audiences", json_body=body), 201)
        assert audience["memberCount"] == 0
        tenant.audiences[audience["id"]] = set()

    def audience_pool(self, index: int, foreign: bool) -> list[str]:
        if foreign:
            return [aid for other in self.world.others(index) for aid in [*other.audiences, *other.gone_audiences]]
        tenant = self.world.tenants[index]
        return [*tenant.audiences, *tenant.gone_audiences]

    def assert_audience_as_modelled(self, index: int, audience_id: str) -> None:
        tenant = self.world.tenants[index]
        members = tenant.audiences.get(audience_id)
        body = self.expect(self.call(index, "GET", f"/audiences/{audience_id}"), 200 if members is not None else 404)
        if members is None:
            return
        ISOLATION.exact_counts += 2
        assert body["memberCount"] == len(members), f"{tenant.name} {audience_id}: {body['memberCount']} != {members}"
        listed = self.walk(index, f"/audiences/{audience_id}/members", {"first": 100})
        assert listed == members, f"{tenant.name} {audience_id} members: {listed} != model {members}"

    @operation(
        index=TENANT,
        choice=st.integers(0, 10**6),
        foreign_audience=st.booleans(),
        ids=st.lists(st.tuples(st.integers(0, 10**6), st.booleans()), min_size=1, max_size=4),
        add=st.booleans(),
    )
    def change_members(
        self, index: int, choice: int, foreign_audience: bool, ids: list[tuple[int, bool]], add: bool
    ) -> None:
        ISOLATION.steps["add_members" if add else "remove_members"] += 1
        tenant = self.world.tenants[index]
        audience_id = _pick(self.audience_pool(index, foreign_audience), choice)
        chosen = self.choose_consumers(index, ids)
        if audience_id is None or not chosen:
            return
        members = tenant.audiences.get(audience_id)
        response = self.call(
            index, "POST" if add else "DELETE", f"/audiences/{audience_id}/members", json_body={"consumerIds": chosen}
        )
        ISOLATION.foreign_probes += foreign_audience or any(cid not in tenant.consumers for cid in chosen)
        if members is None:
            self.expect(response, 404)
        elif add and not all(cid in tenant.consumers for cid in chosen):
            self.expect(response, 400)  # an unknown id adds nobody
        elif add and any(len(tenant.memberships(cid) - {audience_id}) >= MAX_AUDIENCES for cid in chosen):
            self.expect(response, 400)
        else:
            body = self.expect(response, 200, 400)
            if body and "memberCount" in body:
                if add:
                    members.update(chosen)
                else:
                    members.difference_update(chosen)
                ISOLATION.exact_counts += 1
                assert body["memberCount"] == len(members), f"{body} != model {members}"
        owner_index = self.world.owner.get(audience_id)
        if owner_index is not None:
            self.assert_audience_as_modelled(owner_index, audience_id)

    @operation(index=TENANT, choice=st.integers(0, 10**6), foreign=st.booleans(), delete=st.booleans())
    def audience_read_or_delete(self, index: int, choice: int, foreign: bool, delete: bool) -> None:
        ISOLATION.steps["delete_audience" if delete else "get_audience"] += 1
        tenant = self.world.tenants[index]
        audience_id = _pick(self.audience_pool(index, foreign), choice)
        if audience_id is None:
            return
        ISOLATION.foreign_probes += foreign
        if delete:
            live = audience_id in tenant.audiences
            self.expect(self.call(index, "DELETE", f"/audiences/{audience_id}"), 200 if live else 404)
            if live:
                del tenant.audiences[audience_id]
                tenant.gone_audiences.append(audience_id)
        owner_index = self.world.owner.get(audience_id)
        if owner_index is not None:
            self.assert_audience_as_modelled(owner_index, audience_id)

    @operation(index=TENANT, choice=st.integers(0, 10**6))
    def list_audiences_and_members(self, index: int, choice: int) -> None:
        ISOLATION.steps["list_audiences"] += 1
        tenant = self.world.tenants[index]
        counts = {item["id"]: item["memberCount"] for item in self.walk_items(index, "/audiences", {"first": 100})}
        ISOLATION.exact_counts += 1
        assert counts == {aid: len(members) for aid, members in tenant.audiences.items()}, counts
        audience_id = _pick(list(tenant.audiences), choice)
        if audience_id is not None:
            listed = self.walk(index, "/consumers", {"audienceId": audience_id, "first": 100})
            ISOLATION.exact_counts += 1
            assert listed == tenant.audiences[audience_id]
        foreign = _pick(self.audience_pool(index, True), choice)
        if foreign is not None:
            ISOLATION.foreign_probes += 1
            self.expect(self.call(index, "GET", "/consumers", params={"audienceId": foreign}), 404)

    # --- the rest of the profile (issue 19) ---------------------------------------------------------

    PROFILE_PARTS = (
        "coupons",
        "referral-codes",
        "referrals",
        "loyalty-cards",
        "budgets",
        "achievements",
        "consent-log",
        "changes",
    )

    @operation(index=TENANT, choice=st.integers(0, 10**6), foreign=st.booleans(), part=st.sampled_from(PROFILE_PARTS))
    def read_profile_part(self, index: int, choice: int, foreign: bool, part: str) -> None:
        """A consumer's coupons, codes, referrals, cards, budgets, achievements, consent log and change
        history: its own tenant's."""
        ISOLATION.steps["read_profile_part"] += 1
        consumer_id = _pick(self.consumer_pool(index, foreign), choice)
        if consumer_id is None:
            return
        live = consumer_id in self.world.tenants[index].consumers
        ISOLATION.foreign_probes += not live
        self.expect(self.call(index, "GET", f"/consumers/{consumer_id}/{part}"), 200 if live else 404)

    @operation(index=TENANT, choice=st.integers(0, 10**6), foreign=st.booleans(), state=st.booleans())
    def set_consent(self, index: int, choice: int, foreign: bool, state: bool) -> None:
        """Consent (issue 18) is set on the tenant's own consumers only: another's is 404 and unchanged."""
        ISOLATION.steps["set_consent"] += 1
        consumer_id = _pick(self.consumer_pool(index, foreign), choice)
        if consumer_id is None:
            return
        body = {"channel": "email", "state": "subscribed" if state else "unsubscribed"}
        response = self.call(index, "PUT", f"/consumers/{consumer_id}/consent", json_body=body)
        model = self.world.tenants[index].consumers.get(consumer_id)
        self.expect(response, 200 if model else 404)
        if model:
            model.email_consent = body["state"]
        owner = self.owner_of(consumer_id)
        if model is None and owner is not None:
            ISOLATION.foreign_probes += 1
            self.assert_consumer_as_modelled(self.world.tenants.index(owner), consumer_id)

    @operation(index=TENANT, choice=st.integers(0, 10**6), foreign=st.booleans(), other=TENANT)
    def issue_and_use_a_coupon(self, index: int, choice: int, foreign: bool, other: int) -> None:
        """A coupon is issued to the tenant's own consumers only, and its code means nothing elsewhere."""
        ISOLATION.steps["issue_and_use_a_coupon"] += 1
        tenant = self.world.tenants[index]
        consumer_id = _pick(self.consumer_pool(index, foreign), choice)
        if consumer_id is None:
            return
        code = f"{tenant.marker}-{tenant.next()}"
        body = {"code": code, "type": "fixed", "value": 1}
        response = self.call(index, "POST", f"/consumers/{consumer_id}/coupons", json_body=body)
        if consumer_id not in tenant.consumers:
            ISOLATION.foreign_probes += 1
            self.expect(response, 404)
            return
        self.expect(response, 201)
        stranger = _pick(list(self.world.tenants[other].consumers), choice)
        if other == index or stranger is None:
            return
        ISOLATION.foreign_probes += 1
        order = {"consumerId": stranger, "amount": "10.00", "currency": "USD", "couponCode": code}
        refused = self.expect(self.call(other, "POST", "/orders", json_body=order), 400)
        assert refused["error"]["details"][0]["message"] == "no coupon has this code", refused

    @operation(index=TENANT, choice=st.integers(0, 10**6), other=TENANT)
    def issue_and_look_up_a_card(self, index: int, choice: int, other: int) -> None:
        """A card is found and linked only in its own tenant."""
        ISOLATION.steps["issue_and_look_up_a_card"] += 1
        tenant = self.world.tenants[index]
        code = f"{tenant.marker}-card-{tenant.next()}"
        self.expect(
            self.call(index, "POST", f"/loyalty-programs/{tenant.program}/cards", json_body={"code": code}), 201
        )
        consumer_id = _pick(list(tenant.consumers), choice)
        if consumer_id is not None:
            link = {"consumerId": consumer_id}
            self.expect(self.call(index, "POST", f"/loyalty-cards/{code}/consumers", json_body=link), 200)
        if other == index:
            return
        ISOLATION.foreign_probes += 1
        self.expect(self.call(other, "GET", f"/loyalty-cards/{code}"), 404)
        theirs = _pick(list(self.world.tenants[other].consumers), choice)
        if theirs is not None:
            link = {"consumerId": theirs}
            self.expect(self.call(other, "POST", f"/loyalty-cards/{code}/consumers", json_body=link), 404)

    @operation(index=TENANT, other=TENANT, keep=st.booleans())
    def webhook_endpoint_and_events(self, index: int, other: int, keep: bool) -> None:
        """A webhook endpoint and the event log are the tenant's own: another tenant can neither read,
        change, rotate, replay nor delete an endpoint, and its event log never shows another's data."""
        ISOLATION.steps["webhook_endpoint_and_events"] += 1
        tenant = self.world.tenants[index]
        body = {"url": "http://127.0.0.1:9/hooks", "events": ["consumer.created"], "description": tenant.marker}
        endpoint = self.expect(self.call(index, "POST", "/webhook-endpoints", json_body=body), 201)
        tenant.webhooks.append(endpoint["id"])
        listed = self.expect(self.call(index, "GET", "/webhook-endpoints", params={"first": 100}), 200)["data"]
        assert {item["id"] for item in listed} == set(tenant.webhooks), listed
        self.expect(self.call(index, "GET", "/events", params={"first": 50}), 200)  # scanned for leaks
        if other != index:
            ISOLATION.foreign_probes += 1
            path = f"/webhook-endpoints/{endpoint['id']}"
            self.expect(self.call(other, "GET", path), 404)
            self.expect(self.call(other, "PUT", path, json_body={"enabled": False}), 404)
            self.expect(self.call(other, "POST", f"{path}/rotate-secret"), 404)
            self.expect(self.call(other, "GET", f"{path}/deliveries"), 404)
            replay = {"since": "2026-01-01T00:00:00Z"}
            self.expect(self.call(other, "POST", f"{path}/replay", json_body=replay), 404)
            self.expect(self.call(other, "DELETE", path), 404)
            assert self.expect(self.call(index, "GET", path), 200)["enabled"] is True
        if not keep:  # endpoints are capped per tenant: most go again
            self.expect(self.call(index, "DELETE", f"/webhook-endpoints/{endpoint['id']}"), 200)
            tenant.webhooks.remove(endpoint["id"])

    # --- loyalty, exports, cursors --------------------------------------------------------------

    @operation(
        index=TENANT,
        choice=st.integers(0, 10**6),
        foreign=st.booleans(),
        foreign_program=st.booleans(),
        points=st.integers(1, 500),
    )
    def add_points(self, index: int, choice: int, foreign: bool, foreign_program: bool, points: int) -> None:
        ISOLATION.steps["add_points"] += 1
        tenant = self.world.tenants[index]
        consumer_id = _pick(self.consumer_pool(index, foreign), choice)
        if consumer_id is None:
            return
        program = _pick([other.program for other in self.world.others(index)], choice) if foreign_program else None
        body = {"programId": program or tenant.program, "points": points, "reason": f"step {tenant.marker}"}
        response = self.call(index, "POST", f"/consumers/{consumer_id}/loyalty/points", json_body=body)
        model = tenant.consumers.get(consumer_id)
        if model is None or program:
            ISOLATION.foreign_probes += 1
            self.expect(response, 404)
        elif model.status == "inactive":  # an inactive consumer earns nothing (issue 19)
            assert self.expect(response, 409)["error"]["code"] == "consumer_inactive"
        else:
            self.expect(response, 201)
            model.points += points
            loyalty = self.expect(self.call(index, "GET", f"/consumers/{consumer_id}/loyalty"), 200)
            [main] = [row for row in loyalty["programs"] if row["ledger"] == "main"]
            ISOLATION.exact_counts += 1
            assert (main["programId"], main["activePoints"]) == (tenant.program, model.points), loyalty
        owner = self.owner_of(consumer_id)
        if owner is not None:
            self.assert_consumer_as_modelled(self.world.tenants.index(owner), consumer_id)

    @operation(index=TENANT, choice=st.integers(0, 10**6))
    def start_export(self, index: int, choice: int) -> None:
        """An export is the tenant's: another tenant's is 404, the list holds only its own."""
        ISOLATION.steps["start_export"] += 1
        tenant = self.world.tenants[index]
        job = self.expect(self.call(index, "POST", "/exports", json_body={}), 202)
        tenant.exports.append(job["id"])
        listed = self.expect(self.call(index, "GET", "/exports", params={"first": 100}), 200)["data"]
        assert {item["id"] for item in listed} <= set(tenant.exports), listed
        # A finished export's file holds only this tenant's consumers.
        for item in listed:
            if item["status"] == "succeeded" and item["downloadUrl"] and item["id"] not in tenant.downloaded:
                tenant.downloaded.add(item["id"])
                content = requests.get(item["downloadUrl"], timeout=60)
                ISOLATION.requests += 1
                ISOLATION.responses_scanned += 1
                assert content.status_code == 200, content.text
                self.world.scan(index, f"{tenant.name}: export {item['id']}", "", content.text)
        foreign = _pick([eid for other in self.world.others(index) for eid in other.exports], choice)
        if foreign is not None:
            ISOLATION.foreign_probes += 1
            self.expect(self.call(index, "GET", f"/exports/{foreign}"), 404)

    @operation(index=TENANT, other=st.integers(1, 3))
    def use_foreign_cursor(self, index: int, other: int) -> None:
        """A cursor from another tenant's list is 400 Invalid cursor, never its next page."""
        ISOLATION.steps["use_foreign_cursor"] += 1
        source = (index + other) % len(TENANTS)
        page = self.expect(self.call(source, "GET", "/consumers", params={"first": 1}), 200)
        cursor = page["pageInfo"]["endCursor"]
        if cursor:
            ISOLATION.foreign_probes += 1
            self.expect(self.call(index, "GET", "/consumers", params={"first": 1, "after": cursor}), 400)


def _tenant_figures(tenant: TenantModel) -> dict[str, int]:
    return {
        "consumers": len(tenant.consumers),
        "deleted": len(tenant.gone),
        "audiences": len(tenant.audiences),
        "orders": len(tenant.orders),
        "exports": len(tenant.exports),
    }


def test_tenants_never_see_each_other(stack: RunningStack, mint_key: MintKey) -> None:
    started = time.monotonic()
    tenants = [
        TenantModel(f"{org}/{env}", marker, Api(stack.base_url, mint_key(org, env)))
        for (org, env), marker in zip(TENANTS, MARKERS, strict=True)
    ]
    world = World(tenants)
    for index, tenant in enumerate(tenants):
        # Every tenant's first program is its primary one: its points show on the consumer.
        body = {"name": f"Points {tenant.marker}"}
        response = tenant.api.call("POST", "/loyalty-programs", json=body)
        assert response.status_code == 201, response.text
        tenant.program = response.json()["id"]
        world.owner[tenant.program] = index
    IsolationMachine.world = world
    ISOLATION.settings = {"examples": EXAMPLES, "steps per example": STEPS, "seed": SEED, "tenants": len(TENANTS)}
    try:
        run_state_machine_as_test(
            seed(SEED)(IsolationMachine),
            settings=settings(
                max_examples=EXAMPLES,
                stateful_step_count=STEPS,
                deadline=None,
                database=None,
                phases=[Phase.generate],  # no shrinking: the server's state cannot be rolled back
                suppress_health_check=list(HealthCheck),
                report_multiple_bugs=False,
            ),
        )
    finally:
        ISOLATION.seconds = time.monotonic() - started
        ISOLATION.tenants = {tenant.name: _tenant_figures(tenant) for tenant in tenants}


def test_the_leak_scan_itself() -> None:
    """The detector, without a stack: another tenant's id or marker is a leak, unless the request named it."""
    world = World(
        [TenantModel(f"t{number}", marker, Api("http://127.0.0.1:9", "")) for number, marker in enumerate(MARKERS)]
    )
    theirs = "cons_01M83FYQH1A1ZES8ZZ28AVQFM2"
    world.scan(1, "t1 creates", "", f'{{"id": "{theirs}", "email": "u1.bravomark@example.com"}}')
    world.scan(1, "t1 reads", f"/consumers/{theirs}", f'{{"id": "{theirs}"}}')
    world.scan(0, "t0 probes", f"/consumers/{theirs}", f'{{"message": "no consumer {theirs}"}}')
    world.scan(0, "t0 searches", '{"q": "bravomark"}', '{"data": []}')
    with pytest.raises(AssertionError, match="LEAK t0 lists: holds t1's id"):
        world.scan(0, "t0 lists", "", f'{{"data": [{{"id": "{theirs}"}}]}}')
    with pytest.raises(AssertionError, match="LEAK t0 lists: holds t1's data"):
        world.scan(0, "t0 lists", "", '{"data": [{"email": "U1.BRAVOMARK@example.com"}]}')

"""Loyalty programs, each consumer's wallet per program, and the points transaction log.

Keys (tenant prefix `<environment>#<organization>`):
  program       pk=<tenant>#LOYALTYPROGRAMS   sk=<program id>     (one Query lists a tenant's programs)
  primary       pk=<tenant>#SETTINGS          sk=LOYALTY_PRIMARY  (claimed by the first program)
  wallet        pk=<tenant>#CONSUMER#<id>     sk=LOYALTY#<program id>   ledgers and their lots, version
  transaction   pk=<tenant>#CONSUMER#<id>     sk=POINTS#<transaction id> (ULIDs: time order, all programs)
"""

from __future__ import annotations

from typing import Any

from clientele.consumers.store import ConsumerRecord
from clientele.core.store import dynamo
from clientele.core.tenancy import Tenant
from clientele.loyalty.models import LoyaltyProgram, PointsTransaction
from clientele.loyalty.wallet import Wallet

WALLET_PREFIX = "LOYALTY#"
TRANSACTION_PREFIX = "POINTS#"


def programs_partition(tenant: Tenant) -> str:
    return f"{tenant.key_prefix}#LOYALTYPROGRAMS"


def program_key(tenant: Tenant, program_id: str) -> dict[str, str]:
    return {"pk": programs_partition(tenant), "sk": program_id}


def primary_key(tenant: Tenant) -> dict[str, str]:
    return {"pk": f"{tenant.key_prefix}#SETTINGS", "sk": "LOYALTY_PRIMARY"}


def program_to_item(tenant: Tenant, program: LoyaltyProgram) -> dict[str, Any]:
    return {
        **program_key(tenant, program.id),
        "entity": "LoyaltyProgram",
        **program.to_api(),
    }


def program_from_item(item: dict[str, Any]) -> LoyaltyProgram:
    return dynamo.with_nulls(LoyaltyProgram, {k: v for k, v in item.items() if k not in ("pk", "sk", "entity")})


def insert_program(tenant: Tenant, program: LoyaltyProgram) -> list[dict[str, Any]]:
    operations = [dynamo.put(program_to_item(tenant, program), condition="attribute_not_exists(pk)")]
    if program.primary:
        claim = {**primary_key(tenant), "entity": "Settings", "programId": program.id}
        operations.append(dynamo.put(claim, condition="attribute_not_exists(pk)"))
    return operations


def replace_program(tenant: Tenant, before: LoyaltyProgram, after: LoyaltyProgram) -> dict[str, Any]:
    return dynamo.put(
        program_to_item(tenant, after),
        condition="attribute_exists(pk) AND version = :version",
        values={":version": before.version},
    )


def get_program(tenant: Tenant, program_id: str) -> LoyaltyProgram | None:
    item = dynamo.get_item(program_key(tenant, program_id), consistent=True)
    return program_from_item(item) if item else None


def programs(tenant: Tenant) -> list[LoyaltyProgram]:
    """The tenant's programs, oldest first (a tenant has a handful)."""
    items = dynamo.query(key_condition="pk = :pk", values={":pk": programs_partition(tenant)}, consistent=True)
    return [program_from_item(item) for item in items]


def wallet_key(tenant: Tenant, consumer_id: str, program_id: str) -> dict[str, str]:
    return {"pk": ConsumerRecord.key(tenant, consumer_id)["pk"], "sk": f"{WALLET_PREFIX}{program_id}"}


def wallet_from_item(item: dict[str, Any]) -> Wallet:
    return Wallet.model_validate(item)


def wallet_put(tenant: Tenant, consumer_id: str, before_version: int, wallet: Wallet) -> dict[str, Any]:
    """Stores the wallet if nobody else wrote it since it was read at `before_version` (0: new)."""
    item = {**wallet_key(tenant, consumer_id, wallet.program_id), "entity": "Wallet", **wallet.model_dump()}
    if before_version == 0:
        return dynamo.put(item, condition="attribute_not_exists(pk)")
    return dynamo.put(item, condition="version = :version", values={":version": before_version})


def wallets(tenant: Tenant, consumer_id: str) -> dict[str, Wallet]:
    """{program id: wallet} of every program the consumer has points in: one Query."""
    items = dynamo.query(
        key_condition="pk = :pk AND begins_with(sk, :wallet)",
        values={":pk": ConsumerRecord.key(tenant, consumer_id)["pk"], ":wallet": WALLET_PREFIX},
        consistent=True,
    )
    return {wallet.program_id: wallet for wallet in map(wallet_from_item, items)}


def transaction_put(tenant: Tenant, transaction: PointsTransaction) -> dict[str, Any]:
    item = {
        "pk": ConsumerRecord.key(tenant, transaction.consumer_id)["pk"],
        "sk": f"{TRANSACTION_PREFIX}{transaction.id}",
        "entity": "PointsTransaction",
        **transaction.model_dump(by_alias=True),
    }
    return dynamo.put(item)


def transaction_from_item(item: dict[str, Any]) -> PointsTransaction:
    return dynamo.with_nulls(PointsTransaction, {k: v for k, v in item.items() if k not in ("pk", "sk", "entity")})

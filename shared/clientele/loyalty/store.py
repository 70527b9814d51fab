"""Loyalty programs, each consumer's wallet per program, and the points transaction log.

Keys (tenant prefix `<environment>#<organization>`):
  program       pk=<tenant>#LOYALTYPROGRAMS   sk=<program id>     (one Query lists a tenant's programs)
  primary       pk=<tenant>#SETTINGS          sk=LOYALTY_PRIMARY  (claimed by the first program)
  wallet        pk=<tenant>#CONSUMER#<id>     sk=LOYALTY#<program id>   ledgers and their lots, version
  transaction   pk=<tenant>#CONSUMER#<id>     sk=POINTS#<transaction id> (ULIDs: time order, all programs)
"""

from __future__ import annotations

from typing import Any

from clientele.consumers.store import ConsumerRecord, InConsumerPartition
from clientele.core.store import dynamo
from clientele.core.store.entity import Entity
from clientele.core.tenancy import Tenant
from clientele.loyalty.models import LoyaltyProgram, PointsTransaction
from clientele.loyalty.wallet import Wallet


class LoyaltyProgramRecord(Entity):
    kind = "LoyaltyProgram"

    @staticmethod
    def programs_partition(tenant: Tenant) -> str:
        return f"{tenant.key_prefix}#LOYALTYPROGRAMS"

    @classmethod
    def key(cls, tenant: Tenant, program_id: str) -> dict[str, str]:
        return {"pk": cls.programs_partition(tenant), "sk": program_id}

    @classmethod
    def to_item(cls, tenant: Tenant, program: LoyaltyProgram) -> dict[str, Any]:
        return cls.item(cls.key(tenant, program.id), program.to_api())

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> LoyaltyProgram:
        return dynamo.with_nulls(LoyaltyProgram, cls.fields(item))


class PrimaryProgram(Entity):
    """Claimed by a tenant's first program: the one whose points show on a profile."""

    kind = "PrimaryProgram"

    @staticmethod
    def key(tenant: Tenant) -> dict[str, str]:
        return {"pk": f"{tenant.key_prefix}#SETTINGS", "sk": "LOYALTY_PRIMARY"}


class WalletRecord(InConsumerPartition):
    kind = "Wallet"
    PREFIX = "LOYALTY#"

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> Wallet:
        return Wallet.model_validate(cls.fields(item))


class PointsTransactionRecord(InConsumerPartition):
    kind = "PointsTransaction"
    PREFIX = "POINTS#"

    @classmethod
    def to_item(cls, tenant: Tenant, transaction: PointsTransaction) -> dict[str, Any]:
        keys = cls.key(tenant, transaction.consumer_id, transaction.id)
        return cls.item(keys, transaction.model_dump(by_alias=True))

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> PointsTransaction:
        return dynamo.with_nulls(PointsTransaction, cls.fields(item))


def insert_program(tenant: Tenant, program: LoyaltyProgram) -> list[dict[str, Any]]:
    operations = [dynamo.put(LoyaltyProgramRecord.to_item(tenant, program), condition="attribute_not_exists(pk)")]
    if program.primary:
        claim = PrimaryProgram.item(PrimaryProgram.key(tenant), {"programId": program.id})
        operations.append(dynamo.put(claim, condition="attribute_not_exists(pk)"))
    return operations


def replace_program(tenant: Tenant, before: LoyaltyProgram, after: LoyaltyProgram) -> dict[str, Any]:
    return dynamo.put(
        LoyaltyProgramRecord.to_item(tenant, after),
        condition="attribute_exists(pk) AND version = :version",
        values={":version": before.version},
    )


def get_program(tenant: Tenant, program_id: str) -> LoyaltyProgram | None:
    item = dynamo.get_item(LoyaltyProgramRecord.key(tenant, program_id), consistent=True)
    return LoyaltyProgramRecord.from_item(item) if item else None


def programs(tenant: Tenant) -> list[LoyaltyProgram]:
    """The tenant's programs, oldest first (a tenant has a handful)."""
    items = dynamo.query(
        key_condition="pk = :pk", values={":pk": LoyaltyProgramRecord.programs_partition(tenant)}, consistent=True
    )
    return [LoyaltyProgramRecord.from_item(item) for item in items]


def wallet_put(tenant: Tenant, consumer_id: str, before_version: int, wallet: Wallet) -> dict[str, Any]:
    """Stores the wallet if nobody else wrote it since it was read at `before_version` (0: new)."""
    item = WalletRecord.item(WalletRecord.key(tenant, consumer_id, wallet.program_id), wallet.model_dump())
    if before_version == 0:
        return dynamo.put(item, condition="attribute_not_exists(pk)")
    return dynamo.put(item, condition="version = :version", values={":version": before_version})


def wallets(tenant: Tenant, consumer_id: str) -> dict[str, Wallet]:
    """{program id: wallet} of every program the consumer has points in: one Query."""
    items = dynamo.query(
        key_condition="pk = :pk AND begins_with(sk, :wallet)",
        values={":pk": ConsumerRecord.key(tenant, consumer_id)["pk"], ":wallet": WalletRecord.PREFIX},
        consistent=True,
    )
    return {wallet.program_id: wallet for wallet in map(WalletRecord.from_item, items)}


def transaction_put(tenant: Tenant, transaction: PointsTransaction) -> dict[str, Any]:
    return dynamo.put(PointsTransactionRecord.to_item(tenant, transaction))


def has_primary(tenant: Tenant) -> bool:
    return dynamo.get_item(PrimaryProgram.key(tenant), consistent=True) is not None


def read_wallets(tenant: Tenant, consumer_id: str, program_ids: list[str]) -> dict[str, tuple[int, Wallet]]:
    """{program id: (version read, wallet)} of those programs' wallets the consumer has: one BatchGetItem."""
    keys = {program_id: WalletRecord.key(tenant, consumer_id, program_id) for program_id in program_ids}
    found = dynamo.get_named(keys) if keys else {}
    return {program_id: (int(item["version"]), WalletRecord.from_item(item)) for program_id, item in found.items()}

"""A data subject's access (seed 000 "Privacy Compliance"): everything held about a consumer, in one
document. Read-only: it loads none of erasure's machinery (privacy/service.py)."""

from __future__ import annotations

from typing import Any

from clientele.audiences import store as audience_store
from clientele.consent.store import ConsentRecord
from clientele.consumers import changes as profile_changes
from clientele.consumers.service import get_consumer
from clientele.consumers.store import ChangeRecord, ConsumerRecord
from clientele.core import clock
from clientele.core.tenancy import Tenant
from clientele.coupons.store import CouponRecord
from clientele.loyalty import card_store
from clientele.loyalty import service as loyalty
from clientele.loyalty.card_store import CardLinkRecord
from clientele.loyalty.store import PointsTransactionRecord
from clientele.orders.store import BalanceAdjustmentRecord, OrderRecord
from clientele.privacy import store
from clientele.referrals import store as referral_store
from clientele.referrals.store import ReferralCodeRecord, ReferralRecord
from clientele.shopify.customer_store import ShopifyIdentity
from clientele.shopify.webhook_store import ShopifyCustomerDataRecord


def data_export(tenant: Tenant, consumer_id: str) -> dict[str, Any]:
    """Everything held about the consumer: profile, orders, loyalty ledger, balance history, coupons,
    referrals, audiences, its consent and consent log, the history of its fields, what Shopify sent
    about it (consent, purchasing summary) and sync state, as one JSON document."""
    consumer = get_consumer(tenant, consumer_id)
    partition = ConsumerRecord.key(tenant, consumer_id)["pk"]
    transactions, adjustments, shopify, consent_log, changes = [], [], [], [], []
    shopify_ids: list[str] = []
    for item in store.partition_items(partition):
        if item.get("entity") == PointsTransactionRecord.kind:
            transactions.append(PointsTransactionRecord.from_item(item).to_api())
        elif item.get("entity") == BalanceAdjustmentRecord.kind:
            adjustments.append(BalanceAdjustmentRecord.from_item(item).to_api())
        elif item.get("entity") == ShopifyCustomerDataRecord.kind:  # consent and more, as Shopify sent them
            shopify.append(ShopifyCustomerDataRecord.to_api(item))
        elif item.get("entity") == ConsentRecord.kind:  # every change of its marketing consent
            consent_log.append(ConsentRecord.from_item(item).to_api())
        elif item.get("entity") == ChangeRecord.kind:  # every change of its fields, oldest first
            changes.append(profile_changes.from_fields(ChangeRecord.fields(item)).to_api())
        elif item.get("entity") == ShopifyIdentity.kind:  # the Shopify customers tied to it
            shopify_ids.append(str(item["shopifyId"]))
    orders = [
        OrderRecord.from_item(item).to_api()
        for item in store.partition_items(OrderRecord.consumer_orders_partition(tenant, consumer_id), index="gsi1")
    ]
    now = clock.now()
    coupons = [
        CouponRecord.from_item(item, now).to_api()
        for item in store.partition_items(CouponRecord.recipient_partition(tenant, consumer_id), index="gsi1")
    ]
    referral_codes = [
        ReferralCodeRecord.from_item(item, now).to_api()
        for item in store.partition_items(ReferralCodeRecord.advocate_partition(tenant, consumer_id), index="gsi1")
    ]
    referred = [
        ReferralRecord.from_item(item).to_api()
        for item in store.partition_items(ReferralRecord.advocate_partition(tenant, consumer_id), index="gsi1")
    ]
    referred_by = referral_store.get_referral(tenant, consumer_id)
    links = [str(item["code"]) for item in store.partition_items(partition, CardLinkRecord.PREFIX)]
    loyalty_cards = [card.to_api() for card in card_store.get_many(tenant, links).values()]
    audiences = audience_store.get_many(tenant, consumer.audience_ids, consistent=True)
    return {
        "exportedAt": now,
        "consumer": consumer.to_api(),
        "orders": orders,
        "loyalty": {
            "summary": consumer.loyalty.model_dump(mode="json", by_alias=True),
            "transactions": transactions,
            "cards": loyalty_cards,
            "achievements": loyalty.achievements(tenant, consumer_id).to_api()["achievements"],
            "budgets": loyalty.budgets(tenant, consumer_id).to_api()["budgets"],
        },
        "balanceAdjustments": adjustments,
        "coupons": coupons,
        "referrals": {
            "codes": referral_codes,
            "referred": referred,
            "referredBy": referred_by.to_api() if referred_by else None,
        },
        "audiences": [{"id": audience.id, "name": audience.name} for audience in audiences.values()],
        "consent": {"current": consumer.consent.model_dump(mode="json", by_alias=True), "log": consent_log},
        "changes": changes,
        "shopify": shopify,
        "shopifyCustomerIds": shopify_ids,
        "sync": {
            "status": str(consumer.sync_status),
            "syncedAt": consumer.synced_at,
            "klaviyoProfileId": consumer.klaviyo_profile_id,
            "error": consumer.sync_error,
        },
    }

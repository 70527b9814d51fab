"""The Shopify integration on the wire: what `GET/PUT /integrations/shopify` answer."""

from pydantic import Field

from clientele.core.models import Resource, Timestamp
from clientele.shopify.sync_models import ShopifySync

API_VERSION = "2025-10"  # the Admin API version every call and webhook subscription pins


class WebhookHealth(Resource):
    """How Shopify's deliveries to `webhookUrl` have gone: every delivery counts in `received`; those
    refused (a bad HMAC, a body that is not JSON) or that failed count in `failures` too."""

    received: int = 0
    failures: int = 0
    last_received_at: Timestamp | None = None
    last_failure_at: Timestamp | None = None
    last_failure: str | None = None  # why the latest failure failed (never the payload)


class ShopifyConnection(Resource):
    shop_domain: str  # `<name>.myshopify.com`
    enabled: bool
    access_token: str | None  # masked: only its last four characters are shown; null with a clientId
    client_id: str | None = None  # a Dev Dashboard app's: its access tokens are asked for, and renewed
    webhook_secret: str  # masked too
    connection_id: str  # `shc_…`: names the tenant in webhookUrl; unguessable, kept across PUTs
    webhook_url: str  # where Shopify delivers the webhooks of this shop
    api_version: str = API_VERSION
    updated_at: Timestamp
    webhooks: WebhookHealth = Field(default_factory=WebhookHealth)
    last_full_sync: ShopifySync | None = None  # the latest full sync that finished

"""What callers send about the Shopify integration: the body of `PUT /integrations/shopify`."""

import re
from typing import Annotated

from pydantic import AfterValidator, StringConstraints

from clientele.core.models import ApiModel

SHOP_DOMAIN = re.compile(r"^[a-z0-9][a-z0-9-]{0,59}\.myshopify\.com$")


def _shop_domain(value: str) -> str:
    domain = value.strip().lower().removeprefix("https://").removeprefix("http://").rstrip("/")
    if not SHOP_DOMAIN.match(domain):
        raise ValueError("must be the shop's permanent domain, <name>.myshopify.com")
    return domain


ShopDomain = Annotated[str, StringConstraints(max_length=100), AfterValidator(_shop_domain)]
Credential = Annotated[str, StringConstraints(strip_whitespace=True, min_length=8, max_length=500)]


class ShopifySettings(ApiModel):
    """Body of `PUT /integrations/shopify`. The credentials may be left out once stored (to switch the
    integration on or off); a new shop needs them again. An app made in the Shopify admin gives an
    access token; a Dev Dashboard app (the only kind Shopify lets merchants create since 2026) gives
    a client id, and Clientele asks Shopify for its access tokens (the client credentials grant)."""

    shop_domain: ShopDomain
    access_token: Credential | None = None  # an admin-made custom app's Admin API access token (shpat_…)
    client_id: Annotated[str, StringConstraints(strip_whitespace=True, min_length=8, max_length=100)] | None = None
    webhook_secret: Credential | None = None  # the app's API secret key (client secret): it signs the webhooks
    enabled: bool

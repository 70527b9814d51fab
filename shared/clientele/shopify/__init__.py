"""Shopify: the connection of one shop per tenant (its token and webhook secret in Secrets Manager),
Shopify customers becoming consumers (`customers.apply`), the webhooks Shopify sends, and the full
sync through the GraphQL Admin API's bulk operations. No Shopify SDK: the Admin API is GraphQL, and
the few calls it takes are written here."""

BUILDS_ON: tuple[str, ...] = ("consumers", "orders", "privacy", "consent")

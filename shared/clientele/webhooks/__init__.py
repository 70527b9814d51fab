"""Outbound webhooks: the endpoints a tenant registers (each with its own signing secret, kept in
Secrets Manager), the events the table's stream produces (kept 30 days), and their signed delivery
through the webhook queue, with retries, attempts recorded, and endpoints disabled when they fail."""

# consumers, orders and jobs: the objects events carry, as the API shows them; privacy: whether a
# removed consumer was erased (then the event carries no personal data).
BUILDS_ON: tuple[str, ...] = ("consumers", "orders", "jobs", "privacy")

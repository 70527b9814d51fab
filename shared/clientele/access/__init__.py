"""Access: API keys (Stripe-style secret and read-only keys, stored as hashes) and the Lambda authorizer
that resolves a key to a tenant and scope."""

BUILDS_ON: tuple[str, ...] = ()

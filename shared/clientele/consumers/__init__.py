"""Consumers: the profile (create, read, change, delete, batch), listing and search, relations on a
profile, and the consumer's timeline."""

# A consumer keeps the ids of its audiences and a copy of itself in each (written in its own
# transactions), so the two domains build on each other; a create may record a referral (referrals).
BUILDS_ON: tuple[str, ...] = ("audiences", "referrals")

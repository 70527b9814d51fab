"""Merging duplicate profiles into one: the survivor keeps its id and takes each source's orders,
points (lot by lot), balance history, audiences, timeline, consent log and external identities; its
aggregates are recomputed from what it then holds. A merge runs as a job in steps driven by the
stream (functions/run_merge), each idempotent; a source's last step deletes it and leaves a
tombstone in the same transaction, guarded by the version the step read, so a write that reached the
source meanwhile (an order still arriving) is moved by the next pass instead of being lost."""

# consumers: the profiles, their claims and history; orders, loyalty: what moves and the aggregates
# recomputed; audiences: memberships; shopify, integrations: external identities; privacy: erasures
# that block a merge; duplicates: the suggestions a merged-away profile leaves; coupons, referrals:
# the coupons issued to it and the referral codes it holds, which move.
BUILDS_ON: tuple[str, ...] = (
    "consumers",
    "orders",
    "loyalty",
    "audiences",
    "shopify",
    "integrations",
    "privacy",
    "duplicates",
    "coupons",
    "referrals",
)

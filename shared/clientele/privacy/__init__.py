"""Privacy: erasure of a consumer (personal data removed everywhere, an audit entry without it) and the
consumer's data export."""

# Erasure reaches every domain that may hold a person's data.
BUILDS_ON: tuple[str, ...] = (
    "consumers",
    "audiences",
    "orders",
    "loyalty",
    "jobs",
    "integrations",
    "coupons",
    "referrals",
    "shopify",  # what Shopify sent about a consumer (its consent) is in the export and goes with the erasure
    "consent",  # the consent log is in the export and goes with the erasure
    "duplicates",  # the suggestions naming the consumer go with the erasure, on both sides
    "merges",  # merge jobs name the profiles they merged; a running merge holds off an erasure
)

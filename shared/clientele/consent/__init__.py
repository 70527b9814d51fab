"""Marketing consent per channel (email, SMS): the current state on the consumer (Consumer.consent,
filterable on the list) and the append-only consent log beside it, one record a change, written in
the consumer's own transaction. Who may say what: the API's callers give form, checkout or api; the
console, imports, Shopify and Klaviyo are their own methods; only an import may backdate consentedAt."""

# consumers: the profile that holds the current state, its versioned write and its timeline.
BUILDS_ON: tuple[str, ...] = ("consumers",)

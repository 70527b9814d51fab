"""The small core every domain builds on: tenancy, errors, clock, settings, the HTTP glue that maps
domain errors to answers, paging, idempotency, lazily made AWS clients, the wire basics, and the store
(`core.store`: the item codec, transactions, pages of a Query, S3 files)."""

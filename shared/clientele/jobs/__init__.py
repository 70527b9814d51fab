"""Bulk jobs: exports of consumers and points to CSV/XLSX in S3, and imports of consumers from CSV,
each a job item with status and counts that the API reads."""

BUILDS_ON: tuple[str, ...] = ("consumers", "consent", "loyalty")

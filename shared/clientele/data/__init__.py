"""Data access: every DynamoDB call of the service lives in this package."""

"""The store layer's shared machinery: DynamoDB items and transactions (`dynamo`), pages of a Query
(`pages`) and S3 objects (`files`). Each domain's `store` module builds its own keys on top of it."""

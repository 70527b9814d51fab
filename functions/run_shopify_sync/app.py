"""DynamoDB stream -> Shopify full sync: each new checkpoint of a running sync runs its next chunk
(FilterCriteria in template.yaml: MODIFY of a ShopifySync item whose status is running). The chain
ends when the last chunk marks the job succeeded (or failed), which no longer matches the filter."""

from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord

from clientele.core import streams
from clientele.core.store.keys import tenant_of
from clientele.shopify.sync import run_chunk


def run(record: DynamoDBRecord) -> streams.Counts:
    image = streams.new_image(record)
    checkpoint = image.get("checkpoint")
    if not checkpoint or "tried_at" in checkpoint:
        return None  # finished, or the record of an attempt noting itself (the attempt runs already)
    customers = run_chunk(tenant_of(image), str(image["id"]), int(checkpoint["chunk"]))
    return None if customers is None else {"ShopifyCustomersSynced": customers}


lambda_handler = streams.handler(run)

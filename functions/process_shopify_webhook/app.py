"""DynamoDB stream -> what a Shopify webhook asks (FilterCriteria in template.yaml: INSERTs of
ShopifyWebhook receipts, which receive_shopify_webhook stores); clientele.shopify.topics says what
each topic does."""

from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord

from clientele.core import streams
from clientele.core.store.keys import tenant_of
from clientele.shopify import topics


def process_one(record: DynamoDBRecord) -> streams.Counts:
    receipt = streams.new_image(record)
    done = topics.process(tenant_of(receipt), receipt)
    return {topics.metric_of(done): 1}


lambda_handler = streams.handler(process_one)

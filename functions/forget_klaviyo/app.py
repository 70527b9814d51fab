"""DynamoDB stream → Klaviyo: an erased consumer's data-privacy deletion (FilterCriteria in
template.yaml: INSERTs of KlaviyoForget items, which clientele.privacy.service.erase writes)."""

from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord

from clientele.core import streams
from clientele.core.store.keys import tenant_of
from clientele.integrations.sync import forget


def forget_one(record: DynamoDBRecord) -> streams.Counts:
    item = streams.new_image(record)
    forget(tenant_of(item), item)
    return None


lambda_handler = streams.handler(forget_one)

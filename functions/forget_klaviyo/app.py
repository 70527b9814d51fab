"""DynamoDB stream → Klaviyo: an erased consumer's data-privacy deletion (FilterCriteria in
template.yaml: INSERTs of KlaviyoForget items, which clientele.privacy.erase writes)."""

from typing import Any

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from clientele.data.consumers import tenant_of
from clientele.sync import forget

logger = Logger()
tracer = Tracer()
processor = BatchProcessor(event_type=EventType.DynamoDBStreams)


def forget_one(record: DynamoDBRecord) -> None:
    change = record.dynamodb
    assert change is not None
    assert change.new_image
    item = dict(change.new_image)
    forget(tenant_of(item), item)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return process_partial_response(event=event, record_handler=forget_one, processor=processor, context=context)

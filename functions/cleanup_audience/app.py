"""DynamoDB stream → a deleted audience's members leave it: their `audienceIds` and member copies.
Only audience deletions reach it (FilterCriteria in template.yaml)."""

from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from clientele.audiences import remove_deleted_audience
from clientele.data.consumers import tenant_of

logger = Logger()
tracer = Tracer()
metrics = Metrics()
processor = BatchProcessor(event_type=EventType.DynamoDBStreams)


def cleanup(record: DynamoDBRecord) -> None:
    assert record.dynamodb is not None
    deleted = dict(record.dynamodb.old_image)
    left = remove_deleted_audience(tenant_of(deleted), str(deleted["id"]))
    metrics.add_metric(name="AudienceMembersRemoved", unit=MetricUnit.Count, value=left)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return process_partial_response(event=event, record_handler=cleanup, processor=processor, context=context)

"""DynamoDB stream → search entries: keeps each consumer's words findable as it is created, changed
or deleted. Only consumer records reach it (FilterCriteria in template.yaml)."""

from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from clientele.data import search_index
from clientele.data.consumers import ConsumerRecord, tenant_of

logger = Logger()
tracer = Tracer()
metrics = Metrics()
processor = BatchProcessor(event_type=EventType.DynamoDBStreams)


def index(record: DynamoDBRecord) -> None:
    change = record.dynamodb
    assert change is not None
    old, new = change.old_image or None, change.new_image or None
    stored = new or old
    assert stored is not None
    tenant = tenant_of(stored)
    before = ConsumerRecord.from_item(dict(old)) if old else None
    after = ConsumerRecord.from_item(dict(new)) if new else None
    written, deleted = search_index.sync(tenant, before, after)
    metrics.add_metric(name="SearchEntriesWritten", unit=MetricUnit.Count, value=written)
    metrics.add_metric(name="SearchEntriesDeleted", unit=MetricUnit.Count, value=deleted)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return process_partial_response(event=event, record_handler=index, processor=processor, context=context)

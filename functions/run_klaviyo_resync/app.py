"""DynamoDB stream → Klaviyo bulk import: a requested resync (the integration item's MODIFY with a
pending resync; FilterCriteria in template.yaml) backfills the tenant."""

from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from clientele.data.consumers import tenant_of
from clientele.sync import run_resync

logger = Logger()
tracer = Tracer()
metrics = Metrics()
processor = BatchProcessor(event_type=EventType.DynamoDBStreams)


def resync(record: DynamoDBRecord) -> None:
    change = record.dynamodb
    assert change is not None
    assert change.new_image
    new = dict(change.new_image)
    done = run_resync(tenant_of(new), str(new["resync"]["id"]))
    if done is not None:
        metrics.add_metric(name="ProfilesResynced", unit=MetricUnit.Count, value=done.profiles)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return process_partial_response(event=event, record_handler=resync, processor=processor, context=context)

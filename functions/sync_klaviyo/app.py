"""DynamoDB stream → Klaviyo: upserts each created or changed consumer of a tenant whose sync is on
(FilterCriteria in template.yaml: Consumer INSERTs and MODIFYs only). A record Klaviyo keeps failing
is reported as a partial batch failure (retried, then parked in the failure queue); the rest of the
batch goes through."""

from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from clientele.data.consumers import tenant_of
from clientele.sync import Outcome, needs_sync, sync_consumer

logger = Logger()
tracer = Tracer()
metrics = Metrics()
processor = BatchProcessor(event_type=EventType.DynamoDBStreams)


def sync(record: DynamoDBRecord) -> None:
    change = record.dynamodb
    assert change is not None
    assert change.new_image
    new = dict(change.new_image)
    if not needs_sync(dict(change.old_image) if change.old_image else None, new):
        return
    outcome = sync_consumer(tenant_of(new), str(new["id"]))
    if outcome is Outcome.SYNCED:
        metrics.add_metric(name="ProfilesSynced", unit=MetricUnit.Count, value=1)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return process_partial_response(event=event, record_handler=sync, processor=processor, context=context)

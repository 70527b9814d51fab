"""DynamoDB stream → imports: each new checkpoint of a processing import runs its next chunk
(FilterCriteria in template.yaml: MODIFY of an Import item whose status is processing). The chain
ends when the last chunk marks the job succeeded, which no longer matches the filter."""

from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from clientele.data.consumers import tenant_of
from clientele.imports import run_chunk

logger = Logger()
tracer = Tracer()
metrics = Metrics()
processor = BatchProcessor(event_type=EventType.DynamoDBStreams)


def run(record: DynamoDBRecord) -> None:
    assert record.dynamodb is not None
    image = dict(record.dynamodb.new_image)
    rows = run_chunk(tenant_of(image), str(image["id"]), int(image["checkpoint"]["chunk"]))
    if rows is not None:
        metrics.add_metric(name="ImportRows", unit=MetricUnit.Count, value=rows)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return process_partial_response(event=event, record_handler=run, processor=processor, context=context)

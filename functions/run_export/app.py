"""DynamoDB stream → export files: a new export job's INSERT starts it (FilterCriteria in
template.yaml, so no other record wakes this function)."""

from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from clientele.exports import job_of, run_export

logger = Logger()
tracer = Tracer()
metrics = Metrics()
processor = BatchProcessor(event_type=EventType.DynamoDBStreams)


def export(record: DynamoDBRecord) -> None:
    assert record.dynamodb is not None
    tenant, job = job_of(dict(record.dynamodb.new_image))
    rows = run_export(tenant, job)
    if rows is not None:
        metrics.add_metric(name="ExportRows", unit=MetricUnit.Count, value=rows)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return process_partial_response(event=event, record_handler=export, processor=processor, context=context)

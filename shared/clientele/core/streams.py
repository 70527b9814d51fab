"""What every DynamoDB stream function shares: one factory that wraps a record's work in Powertools'
BatchProcessor, so a record that fails is reported alone (ReportBatchItemFailures) and retried, while
the rest of its batch goes through. The work returns the counts it wants published as metrics.
`batch_handler` is the same for work done a whole batch at a time (counters summed per batch)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, NamedTuple

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from clientele.core import coldstart


def _batch_without_parser_models() -> tuple[Any, Any, Any]:
    """Powertools' batch utility, without its parser models. When pydantic is already loaded (here it
    always is: the domains' models), its batch/types.py imports the parser's models of every event
    source (SQS, Kinesis, Kafka, CloudWatch, DynamoDB: some 60 pydantic models) only to type its
    `model=` parameter (powertools-lambda-python#998); that was a fifth of a stream function's cold start.
    Records here are read through Powertools' data classes, never parsed into those models, so the
    utility is imported as it would be without pydantic. Nothing it imports loads pydantic (a test
    holds both)."""
    pydantic = sys.modules.pop("pydantic", None)
    try:
        from aws_lambda_powertools.utilities import batch
    finally:
        if pydantic is not None:
            sys.modules["pydantic"] = pydantic
    return batch.BatchProcessor, batch.EventType, batch.process_partial_response


if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
else:
    BatchProcessor, EventType, process_partial_response = _batch_without_parser_models()

logger = Logger()
metrics = Metrics()

Counts = Mapping[str, int] | None  # metric name -> count, published per record
RecordWork = Callable[[DynamoDBRecord], Counts]
LambdaHandler = Callable[[dict[str, Any], LambdaContext], dict[str, Any]]


def new_image(record: DynamoDBRecord) -> dict[str, Any]:
    """The item as the change left it (INSERT, MODIFY); the FilterCriteria in template.yaml make sure
    a function only gets records that have one."""
    assert record.dynamodb is not None
    assert record.dynamodb.new_image
    return dict(record.dynamodb.new_image)


def old_image(record: DynamoDBRecord) -> dict[str, Any]:
    """The item as it was before the change (MODIFY, REMOVE)."""
    assert record.dynamodb is not None
    assert record.dynamodb.old_image
    return dict(record.dynamodb.old_image)


def images(record: DynamoDBRecord) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """(before, after) of any change: None where the item did not exist."""
    assert record.dynamodb is not None
    old, new = record.dynamodb.old_image, record.dynamodb.new_image
    return (dict(old) if old else None), (dict(new) if new else None)


def _publish(counts: Counts) -> None:
    for name, value in (counts or {}).items():
        metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)


def handler(work: RecordWork) -> LambdaHandler:
    """The Lambda entry point of a stream function whose records each go through `work`."""
    processor = BatchProcessor(event_type=EventType.DynamoDBStreams)

    def record_handler(record: DynamoDBRecord) -> None:
        _publish(work(record))

    @logger.inject_lambda_context
    @metrics.log_metrics
    def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        response = process_partial_response(
            event=event, record_handler=record_handler, processor=processor, context=context
        )
        return dict(response)

    coldstart.initialized()
    return lambda_handler


class BatchOutcome(NamedTuple):
    counts: Counts  # metric name -> count, for the batch
    failed: list[DynamoDBRecord]  # delivered again (from the first of them, as Lambda checkpoints)


def batch_handler(work: Callable[[list[DynamoDBRecord]], BatchOutcome]) -> LambdaHandler:
    """The Lambda entry point of a stream function that takes its batch whole; the records `work`
    says failed are reported as ReportBatchItemFailures, like the per-record handler's."""

    @logger.inject_lambda_context
    @metrics.log_metrics
    def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        outcome = work([DynamoDBRecord(raw) for raw in event.get("Records", [])])
        _publish(outcome.counts)
        failures = [{"itemIdentifier": record.dynamodb.sequence_number} for record in outcome.failed if record.dynamodb]
        return {"batchItemFailures": failures}

    coldstart.initialized()
    return lambda_handler

"""Webhook queue → signed deliveries: each message is one delivery attempt (or a replay's page of
them); a message whose work failed is reported alone (ReportBatchItemFailures) and handed over again."""

import json
from typing import Any

from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from clientele.core import coldstart
from clientele.core.streams import BatchProcessor, EventType, logger, metrics, process_partial_response
from clientele.webhooks.delivery import handle

processor = BatchProcessor(event_type=EventType.SQS)


def record_handler(record: SQSRecord) -> None:
    outcome = handle(json.loads(record.body))
    metrics.add_metric(name=f"Webhook_{outcome}", unit="Count", value=1)


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return dict(
        process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)
    )


coldstart.initialized()

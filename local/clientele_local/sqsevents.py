"""SQS → Lambda event source mappings: every function with an `SQS` event in template.yaml gets a
poller that receives from its queue and invokes it with Lambda's SQS event, as Lambda's pollers do.

BatchSize is honoured (at most 10 a receive, as SQS gives); with ReportBatchItemFailures only the
messages the function names in `batchItemFailures` stay on the queue, else a failed invocation
leaves the whole batch. A message left on the queue comes back after RETRY_VISIBILITY seconds here
(Lambda waits for the queue's VisibilityTimeout, minutes, which a local stack should not), and the
queue's RedrivePolicy moves it to its dead-letter queue after maxReceiveCount receives (moto applies it).
"""

from __future__ import annotations

import hashlib
import logging
import threading
from dataclasses import dataclass
from typing import Any

from clientele_local.polling import Poller
from clientele_local.resources import Moto
from clientele_local.template import FUNCTION, REGION, Template
from clientele_local.workers import WorkerPool

log = logging.getLogger("clientele_local")

MAX_RECEIVE = 10  # messages one ReceiveMessage gives
RETRY_VISIBILITY = 1  # seconds before a failed message is received again, locally


@dataclass
class QueueSource:
    function: str
    name: str
    queue_arn: str
    batch_size: int = 10
    report_failures: bool = False
    enabled: bool = True

    @property
    def queue_name(self) -> str:
        return self.queue_arn.rsplit(":", 1)[-1]


def queue_sources(tpl: Template) -> list[QueueSource]:
    sources = []
    for function, res in tpl.resources(FUNCTION).items():
        for name, event in ((res.get("Properties") or {}).get("Events") or {}).items():
            if event.get("Type") != "SQS":
                continue
            props = tpl.resolve(event.get("Properties") or {})
            if props.get("Enabled") is False:
                continue
            sources.append(
                QueueSource(
                    function=function,
                    name=name,
                    queue_arn=str(props["Queue"]),
                    batch_size=int(props.get("BatchSize", 10)),
                    report_failures="ReportBatchItemFailures" in (props.get("FunctionResponseTypes") or []),
                )
            )
    return sources


def lambda_record(message: dict[str, Any], queue_arn: str) -> dict[str, Any]:
    """One message as Lambda hands it to a function."""
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": dict(message.get("Attributes") or {}),
        "messageAttributes": {
            name: {
                "stringValue": value.get("StringValue"),
                "binaryValue": value.get("BinaryValue"),
                "stringListValues": [],
                "binaryListValues": [],
                "dataType": value.get("DataType"),
            }
            for name, value in (message.get("MessageAttributes") or {}).items()
        },
        "md5OfBody": message.get("MD5OfBody") or hashlib.md5(message["Body"].encode()).hexdigest(),  # noqa: S324
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": REGION,
    }


class QueuePoller(Poller):
    def __init__(self, source: QueueSource, moto: Moto, pool: WorkerPool, stop: threading.Event) -> None:
        super().__init__(f"sqs-{source.function}-{source.name}", stop)
        self.source = source
        self.pool = pool
        self._sqs = moto.client("sqs")
        self.queue_url = self._sqs.get_queue_url(QueueName=source.queue_name)["QueueUrl"]

    def _poll_once(self) -> None:
        # Drain what is there before the next pause, as Lambda's pollers keep up with a busy queue.
        while not self.stop_event.is_set() and self._receive_batch():
            pass

    def _receive_batch(self) -> bool:
        """One batch received and handed over; False when the queue had nothing."""
        messages: list[dict[str, Any]] = []
        while len(messages) < self.source.batch_size:
            answer = self._sqs.receive_message(
                QueueUrl=self.queue_url,
                MaxNumberOfMessages=min(MAX_RECEIVE, self.source.batch_size - len(messages)),
                AttributeNames=["All"],
                MessageAttributeNames=["All"],
            )
            received = answer.get("Messages") or []
            messages += received
            if len(received) < MAX_RECEIVE:
                break
        if not messages:
            return False
        records = [lambda_record(message, self.source.queue_arn) for message in messages]
        result = self.pool.invoke(self.source.function, {"Records": records})
        failed = self._failed(records, result.ok, result.payload)
        if failed:
            log.warning("%s: %d of %d message(s) failed", self.source.function, len(failed), len(records))
        for record in records:
            if record["messageId"] in failed:
                self._sqs.change_message_visibility(
                    QueueUrl=self.queue_url, ReceiptHandle=record["receiptHandle"], VisibilityTimeout=RETRY_VISIBILITY
                )
            else:
                self._sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=record["receiptHandle"])
        return True

    def _failed(self, records: list[dict[str, Any]], ok: bool, payload: Any) -> set[str]:
        """The ids of the messages to keep on the queue, as Lambda decides them."""
        every = {record["messageId"] for record in records}
        if not ok:
            return every
        if not self.source.report_failures or not isinstance(payload, dict):
            return set()
        failures = payload.get("batchItemFailures") or []
        named = {failure.get("itemIdentifier") for failure in failures if isinstance(failure, dict)}
        if len(named) != len(failures) or not named <= every:  # Lambda takes a malformed answer as a failure
            return every
        return {str(identifier) for identifier in named}


def start_pollers(tpl: Template, moto: Moto, pool: WorkerPool, stop: threading.Event) -> list[QueuePoller]:
    pollers = [QueuePoller(source, moto, pool, stop) for source in queue_sources(tpl)]
    for poller in pollers:
        poller.start()
    return pollers

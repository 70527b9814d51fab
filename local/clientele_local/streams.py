"""DynamoDB stream → Lambda event source mappings, with Lambda's retry semantics."""

from __future__ import annotations

import json
import logging
import threading
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from clientele_local import moto_patches
from clientele_local.filters import matches_any, parse_filters
from clientele_local.polling import Poller
from clientele_local.resources import Moto
from clientele_local.template import ACCOUNT_ID, FUNCTION, REGION, Template
from clientele_local.workers import WorkerPool

log = logging.getLogger("clientele_local")

LOCAL_MAX_RETRIES = 3  # AWS's default is "until the record expires"; locally keep it bounded
RETRY_DELAY = 0.1


@dataclass
class StreamSource:
    function: str
    name: str
    stream_arn: str
    batch_size: int = 100
    max_retries: int = LOCAL_MAX_RETRIES
    bisect: bool = False
    report_failures: bool = False
    on_failure_arn: str | None = None
    filters: list[dict[str, Any]] = field(default_factory=list)


def stream_sources(tpl: Template) -> list[StreamSource]:
    sources = []
    for function, res in tpl.resources(FUNCTION).items():
        for name, event in ((res.get("Properties") or {}).get("Events") or {}).items():
            if event.get("Type") != "DynamoDB":
                continue
            props = tpl.resolve(event.get("Properties") or {})
            if props.get("Enabled") is False:
                continue
            retries = props.get("MaximumRetryAttempts")
            destination = ((props.get("DestinationConfig") or {}).get("OnFailure") or {}).get("Destination")
            sources.append(
                StreamSource(
                    function=function,
                    name=name,
                    stream_arn=str(props["Stream"]),
                    batch_size=int(props.get("BatchSize", 100)),
                    max_retries=LOCAL_MAX_RETRIES if retries in (None, -1) else int(retries),
                    bisect=bool(props.get("BisectBatchOnFunctionError", False)),
                    report_failures="ReportBatchItemFailures" in (props.get("FunctionResponseTypes") or []),
                    on_failure_arn=destination,
                    filters=parse_filters(props.get("FilterCriteria")),
                )
            )
    return sources


def _lambda_record(raw: dict[str, Any], stream_arn: str) -> dict[str, Any]:
    dynamodb = dict(raw["dynamodb"])
    created = dynamodb.get("ApproximateCreationDateTime")
    if isinstance(created, datetime):  # moto's, naive in UTC
        dynamodb["ApproximateCreationDateTime"] = int(created.replace(tzinfo=UTC).timestamp())
    return {
        "eventID": raw["eventID"],
        "eventName": raw["eventName"],
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": raw.get("awsRegion", REGION),
        "dynamodb": dynamodb,
        "eventSourceARN": stream_arn,
    }


class StreamPoller(Poller):
    def __init__(self, source: StreamSource, moto: Moto, pool: WorkerPool, stop: threading.Event) -> None:
        super().__init__(f"stream-{source.function}-{source.name}", stop)
        self.source = source
        self.moto = moto
        self.pool = pool
        self.ready = threading.Event()
        self._sqs = moto.client("sqs")
        self._stream = moto_patches.StreamReader(ACCOUNT_ID, REGION, source.stream_arn)  # from now on

    def _poll_once(self) -> None:
        records = self._stream.read()
        batch = [_lambda_record(r, self.source.stream_arn) for r in records]
        batch = [r for r in batch if matches_any(self.source.filters, r)]
        for start in range(0, len(batch), self.source.batch_size):
            if self.stop_event.is_set():
                return
            self._deliver(self._stream.shard_id, batch[start : start + self.source.batch_size], attempt=0)

    def _deliver(self, shard_id: str, batch: list[dict[str, Any]], attempt: int) -> None:
        while batch and not self.stop_event.is_set():
            result = self.pool.invoke(self.source.function, {"Records": batch})
            function_error = not result.ok
            failed_from = 0 if function_error else self._first_failure(batch, result.payload)
            if failed_from is None:
                return
            batch = batch[failed_from:]
            if attempt >= self.source.max_retries:
                self._on_failure(shard_id, batch, attempt + 1, function_error)
                return
            attempt += 1
            log.warning(
                "%s: %d record(s) failed (%s); retry %d/%d",
                self.source.function,
                len(batch),
                result if function_error else "batchItemFailures",
                attempt,
                self.source.max_retries,
            )
            self.stop_event.wait(RETRY_DELAY)
            if self.source.bisect and function_error and len(batch) > 1:
                middle = len(batch) // 2
                self._deliver(shard_id, batch[:middle], attempt)
                self._deliver(shard_id, batch[middle:], attempt)
                return

    def _first_failure(self, batch: list[dict[str, Any]], payload: Any) -> int | None:
        """Index to resume from, or None when the whole batch succeeded."""
        if not self.source.report_failures or not isinstance(payload, dict):
            return None
        failures = payload.get("batchItemFailures") or []
        if not failures:
            return None
        positions = {r["dynamodb"]["SequenceNumber"]: i for i, r in enumerate(batch)}
        indexes = [positions.get(f.get("itemIdentifier")) if isinstance(f, dict) else None for f in failures]
        if any(i is None for i in indexes):  # Lambda treats an unknown identifier as a full failure
            return 0
        return min(i for i in indexes if i is not None)

    def _on_failure(self, shard_id: str, batch: list[dict[str, Any]], invocations: int, function_error: bool) -> None:
        first, last = batch[0]["dynamodb"], batch[-1]["dynamodb"]
        message = {
            "requestContext": {
                "requestId": str(uuid.uuid4()),
                "functionArn": f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{self.source.function}",
                "condition": "RetryAttemptsExhausted",
                "approximateInvokeCount": invocations,
            },
            "responseContext": {
                "statusCode": 200,
                "executedVersion": "$LATEST",
                **({"functionError": "Unhandled"} if function_error else {}),
            },
            "version": "1.0",
            "timestamp": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "DDBStreamBatchInfo": {
                "shardId": shard_id,
                "startSequenceNumber": first["SequenceNumber"],
                "endSequenceNumber": last["SequenceNumber"],
                "approximateArrivalOfFirstRecord": _iso(first.get("ApproximateCreationDateTime")),
                "approximateArrivalOfLastRecord": _iso(last.get("ApproximateCreationDateTime")),
                "batchSize": len(batch),
                "streamArn": self.source.stream_arn,
            },
        }
        log.error("%s: %d record(s) exhausted their retries", self.source.function, len(batch))
        if not self.source.on_failure_arn:
            return
        queue_name = self.source.on_failure_arn.rsplit(":", 1)[-1]
        url = self._sqs.get_queue_url(QueueName=queue_name)["QueueUrl"]
        self._sqs.send_message(QueueUrl=url, MessageBody=json.dumps(message))


def _iso(epoch: Any) -> str | None:
    if epoch is None:
        return None
    return datetime.fromtimestamp(float(epoch), UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def start_pollers(tpl: Template, moto: Moto, pool: WorkerPool, stop: threading.Event) -> list[StreamPoller]:
    pollers = [StreamPoller(source, moto, pool, stop) for source in stream_sources(tpl)]
    for poller in pollers:
        poller.start()
    return pollers

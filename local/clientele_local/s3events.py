"""S3 → Lambda notifications, routed through moto's own S3 → SQS notifications."""

from __future__ import annotations

import json
import logging
import threading
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote_plus

from clientele_local.polling import Poller
from clientele_local.resources import Moto
from clientele_local.template import ACCOUNT_ID, FUNCTION, NAME_PREFIX, REGION, Template
from clientele_local.workers import WorkerPool

log = logging.getLogger("clientele_local")

MAX_ATTEMPTS = 3  # an asynchronous invoke is retried twice


@dataclass
class S3Source:
    function: str
    name: str
    bucket: str
    events: list[str]
    rules: list[dict[str, str]] = field(default_factory=list)  # [{"Name": "prefix", "Value": ...}]

    @property
    def queue_name(self) -> str:
        return f"{NAME_PREFIX}-s3-{self.function}-{self.name}"[:80]

    def accepts(self, record: dict[str, Any]) -> bool:
        event = f"s3:{record.get('eventName', '')}"
        if not any(event == e or (e.endswith("*") and event.startswith(e[:-1])) for e in self.events):
            return False
        key = unquote_plus(record["s3"]["object"]["key"])
        for rule in self.rules:
            name, value = rule["Name"].lower(), rule["Value"]
            if (name == "prefix" and not key.startswith(value)) or (name == "suffix" and not key.endswith(value)):
                return False
        return True


def s3_sources(tpl: Template) -> list[S3Source]:
    sources = []
    for function, res in tpl.resources(FUNCTION).items():
        for name, event in ((res.get("Properties") or {}).get("Events") or {}).items():
            if event.get("Type") != "S3":
                continue
            props = tpl.resolve(event.get("Properties") or {})
            events = props["Events"] if isinstance(props["Events"], list) else [props["Events"]]
            rules = ((props.get("Filter") or {}).get("S3Key") or {}).get("Rules") or []
            sources.append(S3Source(function, name, str(props["Bucket"]), events, rules))
    return sources


def configure_notifications(sources: list[S3Source], moto: Moto) -> dict[str, str]:
    """One internal queue per S3 event source; returns {queue name: url}."""
    sqs, s3 = moto.client("sqs"), moto.client("s3")
    urls: dict[str, str] = {}
    per_bucket: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for source in sources:
        url = sqs.create_queue(QueueName=source.queue_name, Attributes={"VisibilityTimeout": "5"})["QueueUrl"]
        urls[source.queue_name] = url
        config: dict[str, Any] = {
            "Id": f"{source.function}-{source.name}",
            "QueueArn": f"arn:aws:sqs:{REGION}:{ACCOUNT_ID}:{source.queue_name}",
            "Events": source.events,
        }
        if source.rules:
            config["Filter"] = {"Key": {"FilterRules": source.rules}}
        per_bucket[source.bucket].append(config)
    for bucket, configs in per_bucket.items():
        # PutBucketNotificationConfiguration replaces the whole configuration: one call per bucket.
        s3.put_bucket_notification_configuration(
            Bucket=bucket, NotificationConfiguration={"QueueConfigurations": configs}
        )
    return urls


class S3Poller(Poller):
    def __init__(self, source: S3Source, queue_url: str, moto: Moto, pool: WorkerPool, stop: threading.Event) -> None:
        super().__init__(f"s3-{source.function}-{source.name}", stop)
        self.source = source
        self.queue_url = queue_url
        self.pool = pool
        self._sqs = moto.client("sqs")

    def _poll_once(self) -> None:
        resp = self._sqs.receive_message(
            QueueUrl=self.queue_url, MaxNumberOfMessages=10, AttributeNames=["ApproximateReceiveCount"]
        )
        for message in resp.get("Messages", []):
            body = json.loads(message["Body"])
            records = [r for r in body.get("Records") or [] if self.source.accepts(r)]  # no s3:TestEvent
            done = True
            if records:
                result = self.pool.invoke(self.source.function, {"Records": records})
                attempts = int(message["Attributes"].get("ApproximateReceiveCount", "1"))
                if not result.ok:
                    log.error(
                        "%s failed on an S3 event (attempt %d/%d): %s",
                        self.source.function,
                        attempts,
                        MAX_ATTEMPTS,
                        result,
                    )
                    done = attempts >= MAX_ATTEMPTS
                    if not done:  # make it visible again for the next attempt
                        self._sqs.change_message_visibility(
                            QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=1
                        )
            if done:
                self._sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"])


def start_pollers(tpl: Template, moto: Moto, pool: WorkerPool, stop: threading.Event) -> list[S3Poller]:
    sources = s3_sources(tpl)
    if not sources:
        return []
    urls = configure_notifications(sources, moto)
    pollers = [S3Poller(s, urls[s.queue_name], moto, pool, stop) for s in sources]
    for poller in pollers:
        poller.start()
    return pollers

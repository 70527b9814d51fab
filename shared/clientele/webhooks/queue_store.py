"""The webhook delivery queue (template.yaml's WebhookQueue): every message is one piece of work
for the delivery function, a JSON body the service builds (clientele.webhooks.delivery)."""

from __future__ import annotations

import json
from typing import Any

from clientele.core import aws, settings

MAX_DELAY_SECONDS = 900  # SQS's DelaySeconds limit: a later retry is sent again when it comes due
BATCH = 10  # SendMessageBatch's limit


def send(messages: list[dict[str, Any]], *, delay_seconds: int = 0) -> None:
    """Sends the messages, 10 a call; raises if any of them was not taken (the caller is retried)."""
    sqs = aws.client("sqs")
    url = settings.webhook_queue_url()
    delay = max(0, min(int(delay_seconds), MAX_DELAY_SECONDS))
    for start in range(0, len(messages), BATCH):
        chunk = messages[start : start + BATCH]
        entries = [
            {"Id": str(number), "MessageBody": json.dumps(message, separators=(",", ":")), "DelaySeconds": delay}
            for number, message in enumerate(chunk)
        ]
        answer = sqs.send_message_batch(QueueUrl=url, Entries=entries)
        failed = answer.get("Failed") or []
        if failed:
            raise RuntimeError(f"the webhook queue refused {len(failed)} message(s): {failed[0].get('Message')}")

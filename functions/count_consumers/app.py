"""DynamoDB stream → the overview figures of `GET /consumers/stats`: each consumer created, changed or
deleted moves its tenant's counters once, however often the stream delivers it. Only consumer records
reach it (FilterCriteria in template.yaml)."""

from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord

from clientele.consumers import stats
from clientele.consumers.store import ConsumerRecord
from clientele.core import streams
from clientele.core.store.keys import tenant_of


def change(record: DynamoDBRecord) -> stats.Change | None:
    old, new = streams.images(record)
    stored = new or old
    assert stored is not None
    assert record.event_id is not None
    before = ConsumerRecord.from_item(old) if old else None
    after = ConsumerRecord.from_item(new) if new else None
    return stats.change_of(tenant_of(stored), record.event_id, before, after)


def count(records: list[DynamoDBRecord]) -> streams.BatchOutcome:
    changes, unreadable = [], []
    for record in records:
        try:
            found = change(record)
        except Exception:  # one bad record is retried, then parked by the stream's on-failure queue
            streams.logger.exception("Consumer change not counted", extra={"eventId": record.event_id})
            unreadable.append(record)
            continue
        if found is not None:
            changes.append(found)
    applied = stats.apply(changes)
    failed = {change.event_id for change in applied.failed}
    counts = {"ConsumerChangesCounted": applied.added, "ConsumerChangesRepeated": applied.repeated}
    return streams.BatchOutcome(counts, unreadable + [record for record in records if record.event_id in failed])


lambda_handler = streams.batch_handler(count)

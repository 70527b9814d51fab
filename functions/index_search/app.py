"""DynamoDB stream → search entries: keeps each consumer's words findable as it is created, changed
or deleted. Only consumer records reach it (FilterCriteria in template.yaml)."""

from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord

from clientele.consumers import search_index
from clientele.consumers.store import ConsumerRecord
from clientele.core import streams
from clientele.core.store.keys import tenant_of


def index(record: DynamoDBRecord) -> streams.Counts:
    old, new = streams.images(record)
    stored = new or old
    assert stored is not None
    before = ConsumerRecord.from_item(old) if old else None
    after = ConsumerRecord.from_item(new) if new else None
    written, deleted = search_index.sync(tenant_of(stored), before, after)
    return {"SearchEntriesWritten": written, "SearchEntriesDeleted": deleted}


lambda_handler = streams.handler(index)

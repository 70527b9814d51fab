"""DynamoDB stream -> duplicate suggestions: a consumer created, deleted, or whose match keys changed
is compared with the profiles sharing one of its keys (FilterCriteria in template.yaml: consumer
records only)."""

from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord

from clientele.core import streams
from clientele.core.store.keys import tenant_of
from clientele.duplicates import service


def check(record: DynamoDBRecord) -> streams.Counts:
    old, new = streams.images(record)
    stored = new or old
    assert stored is not None
    held = service.changed(tenant_of(stored), old, new)
    return None if held is None else {"DuplicatePairsHeld": held}


lambda_handler = streams.handler(check)

"""DynamoDB stream → Klaviyo: upserts each created or changed consumer of a tenant whose sync is on
(FilterCriteria in template.yaml: Consumer INSERTs and MODIFYs only). A record Klaviyo keeps failing
is reported as a partial batch failure (retried, then parked in the failure queue); the rest of the
batch goes through."""

from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord

from clientele.core import streams
from clientele.core.store.keys import tenant_of
from clientele.integrations.sync import Outcome, needs_sync, sync_consumer


def sync(record: DynamoDBRecord) -> streams.Counts:
    old, new = streams.images(record)
    assert new is not None
    if not needs_sync(old, new):
        return None
    outcome = sync_consumer(tenant_of(new), str(new["id"]))
    return {"ProfilesSynced": 1} if outcome is Outcome.SYNCED else None


lambda_handler = streams.handler(sync)

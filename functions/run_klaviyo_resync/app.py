"""DynamoDB stream → Klaviyo bulk import: a requested resync (the integration item's MODIFY with a
pending resync; FilterCriteria in template.yaml) backfills the tenant."""

from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord

from clientele.core import streams
from clientele.core.store.keys import tenant_of
from clientele.integrations.sync import run_resync


def resync(record: DynamoDBRecord) -> streams.Counts:
    new = streams.new_image(record)
    done = run_resync(tenant_of(new), str(new["resync"]["id"]))
    return None if done is None else {"ProfilesResynced": done.profiles}


lambda_handler = streams.handler(resync)

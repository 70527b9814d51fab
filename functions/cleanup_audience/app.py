"""DynamoDB stream → a deleted audience's members leave it: their `audienceIds` and member copies.
Only audience deletions reach it (FilterCriteria in template.yaml)."""

from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord

from clientele.audiences.service import remove_deleted_audience
from clientele.core import streams
from clientele.core.store.keys import tenant_of


def cleanup(record: DynamoDBRecord) -> streams.Counts:
    deleted = streams.old_image(record)
    return {"AudienceMembersRemoved": remove_deleted_audience(tenant_of(deleted), str(deleted["id"]))}


lambda_handler = streams.handler(cleanup)

"""DynamoDB stream → a consumer that became a member (created one, or a guest who joined) gets the
signUp points of each program with that rule, once. Only those changes reach it (FilterCriteria in
template.yaml); the grant itself holds the once (loyalty.service.grant_sign_up)."""

from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord

from clientele.core import streams
from clientele.core.store.keys import tenant_of
from clientele.loyalty.service import grant_sign_up


def grant(record: DynamoDBRecord) -> streams.Counts:
    joined = streams.new_image(record)
    given = grant_sign_up(tenant_of(joined), str(joined["id"]))
    return {"SignUpPointsGranted": sum(given.values())}


lambda_handler = streams.handler(grant)

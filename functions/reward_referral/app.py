"""DynamoDB stream → each new referral gives both sides the points of the loyalty programs' referral
rules, once. Only new referrals reach it (FilterCriteria in template.yaml); the reward itself holds
the once (referrals/rewards.py)."""

from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord

from clientele.core import streams
from clientele.core.store.keys import tenant_of
from clientele.referrals.rewards import reward


def rewarded(record: DynamoDBRecord) -> streams.Counts:
    referral = streams.new_image(record)
    given = reward(tenant_of(referral), str(referral["referredId"]))
    return {"ReferralPointsGranted": sum(given.values())}


lambda_handler = streams.handler(rewarded)

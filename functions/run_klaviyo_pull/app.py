"""DynamoDB stream → Klaviyo list pull: each new checkpoint of a running pull (the KlaviyoPull item's
INSERT or MODIFY with status running; FilterCriteria in template.yaml) pulls its next page of
profiles. The chain ends when the last chunk marks the pull succeeded, which no longer matches."""

from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord

from clientele.core import streams
from clientele.core.store.keys import tenant_of
from clientele.integrations.pull import run_chunk


def run(record: DynamoDBRecord) -> streams.Counts:
    image = streams.new_image(record)
    profiles = run_chunk(tenant_of(image), str(image["id"]), int(image["checkpoint"]["chunk"]))
    return None if profiles is None else {"KlaviyoProfilesPulled": profiles}


lambda_handler = streams.handler(run)

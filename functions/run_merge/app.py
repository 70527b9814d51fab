"""DynamoDB stream -> a merge's next step (FilterCriteria in template.yaml: INSERT or MODIFY of a Merge
item whose status is running). Each step counts itself on the job, which runs the next; the chain ends
when the last step marks the merge succeeded (or failed), which no longer matches the filter. A new
MergeRequest (Shopify merged two linked customers) starts its merge."""

from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord

from clientele.core import streams
from clientele.core.store.keys import tenant_of
from clientele.merges.service import REQUESTED, run_step, take_request


def run(record: DynamoDBRecord) -> streams.Counts:
    image = streams.new_image(record)
    if image.get("entity") == REQUESTED:
        take_request(tenant_of(image), image)
        return {"MergeRequests": 1}
    done = run_step(tenant_of(image), str(image["id"]), int(image.get("steps") or 0))
    return None if done is None else {"MergeSteps": 1}


lambda_handler = streams.handler(run)

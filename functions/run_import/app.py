"""DynamoDB stream → imports: each new checkpoint of a processing import runs its next chunk
(FilterCriteria in template.yaml: MODIFY of an Import item whose status is processing). The chain
ends when the last chunk marks the job succeeded, which no longer matches the filter."""

from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord

from clientele.core import streams
from clientele.core.store.keys import tenant_of
from clientele.jobs.imports import run_chunk


def run(record: DynamoDBRecord) -> streams.Counts:
    image = streams.new_image(record)
    rows = run_chunk(tenant_of(image), str(image["id"]), int(image["checkpoint"]["chunk"]))
    return None if rows is None else {"ImportRows": rows}


lambda_handler = streams.handler(run)

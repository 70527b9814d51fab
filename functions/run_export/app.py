"""DynamoDB stream → export files: a new export job's INSERT starts it (FilterCriteria in
template.yaml, so no other record wakes this function)."""

from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord

from clientele.core import streams
from clientele.jobs.exports import job_of, run_export


def export(record: DynamoDBRecord) -> streams.Counts:
    tenant, job = job_of(streams.new_image(record))
    rows = run_export(tenant, job)
    return None if rows is None else {"ExportRows": rows}


lambda_handler = streams.handler(export)

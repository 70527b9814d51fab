"""S3 → imports: an uploaded file starts its import (the S3 event in template.yaml, prefix imports/)."""

from typing import Any
from urllib.parse import unquote_plus

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.data_classes import S3Event
from aws_lambda_powertools.utilities.typing import LambdaContext

from clientele.core.coldstart import initialized
from clientele.jobs.import_store import of_upload
from clientele.jobs.imports import start_import

logger = Logger()


@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, int]:
    started = 0
    for record in S3Event(event).records:
        key = unquote_plus(record.s3.get_object.key)
        tenant, import_id = of_upload(key)
        etag = f'"{record.s3.get_object.etag}"'  # S3 events give the ETag without its quotes
        if start_import(tenant, import_id, record.s3.get_object.size, etag):
            started += 1
        else:
            logger.info("Upload ignored: its import is not awaiting a file", extra={"importId": import_id})
    return {"started": started}


initialized()  # the end of init (core/coldstart.py)

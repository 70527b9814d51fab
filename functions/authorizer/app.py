"""REQUEST authorizer: `Authorization: Bearer <key>` -> {organization, environment, scope}."""

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from clientele.access.authorizer import authorize
from clientele.core.coldstart import initialized
from clientele.core.errors import AuthenticationRequired

# Its own Logger: the authorizer is no REST route, so it keeps the HTTP glue (and its validation
# machinery) out of the cold start every uncached request waits for.
logger = Logger()


@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    headers = {name.lower(): value for name, value in (event.get("headers") or {}).items()}
    try:
        return authorize(headers.get("authorization"), event["methodArn"])
    except AuthenticationRequired:
        # API Gateway's contract: exactly this message means 401 (our UNAUTHORIZED gateway response).
        raise Exception("Unauthorized") from None


initialized()  # the end of init (core/coldstart.py)

"""REQUEST authorizer: `Authorization: Bearer <key>` -> {organization, environment, scope}."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from clientele.access.authorizer import authorize
from clientele.core.errors import AuthenticationRequired
from clientele.core.http import logger


@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    headers = {name.lower(): value for name, value in (event.get("headers") or {}).items()}
    try:
        return authorize(headers.get("authorization"), event["methodArn"])
    except AuthenticationRequired:
        # API Gateway's contract: exactly this message means 401 (our UNAUTHORIZED gateway response).
        raise Exception("Unauthorized") from None

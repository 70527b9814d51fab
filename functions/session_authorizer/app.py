"""REQUEST authorizer of the console's calls (/app/api/v1/…): session cookie + X-CSRF-Token ->
the same {organization, environment, scope} the key authorizer answers."""

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from clientele.access.authorizer import authorize_session
from clientele.core.coldstart import initialized
from clientele.core.errors import AuthenticationRequired

logger = Logger()


@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    headers = {name.lower(): value for name, value in (event.get("headers") or {}).items()}
    try:
        secure = (headers.get("x-forwarded-proto") or "https").lower() != "http"  # see core.http.over_https
        return authorize_session(headers.get("cookie"), headers.get("x-csrf-token"), event["methodArn"], secure=secure)
    except AuthenticationRequired:
        raise Exception("Unauthorized") from None  # API Gateway's contract for a 401


initialized()  # the end of init (core/coldstart.py)

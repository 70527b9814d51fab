"""POST /app/session: the console's sign-in. `{apiKey}` -> the session cookie and the CSRF token."""

from typing import Any

from aws_lambda_powertools.event_handler import Response

from clientele.access import sessions
from clientele.core import http as api
from clientele.core.errors import ValidationFailed

app = api.resolver()


@app.post("/app/session", include_in_schema=False)
def open_session() -> Response[dict[str, Any]]:
    api.same_origin(app)
    body = api.json_body(app)
    if not isinstance(body, dict):
        raise ValidationFailed(details=[{"field": "body", "message": "must be a JSON object"}])
    secret, session = sessions.sign_in(body.get("apiKey"))
    answer = api.json_response(201, session.to_api())
    answer.headers["Set-Cookie"] = sessions.set_cookie(secret, secure=api.over_https(app))
    answer.headers["Cache-Control"] = "no-store"
    return answer


lambda_handler = api.handler(app)

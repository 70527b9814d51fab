"""GET /app/session: after a reload, the console's session again (its CSRF token lives in memory only)."""

from typing import Any

from aws_lambda_powertools.event_handler import Response

from clientele.access import sessions
from clientele.core import http as api

app = api.resolver()


@app.get("/app/session", include_in_schema=False)
def current_session() -> Response[dict[str, Any]]:
    session = sessions.current(app.current_event.headers.get("cookie"), secure=api.over_https(app))
    answer = api.json_response(200, session.to_api())
    answer.headers["Cache-Control"] = "no-store"
    return answer


lambda_handler = api.handler(app)

"""DELETE /app/session: the console's sign-out. Deletes the session and clears its cookie."""

from typing import Any

from aws_lambda_powertools.event_handler import Response

from clientele.access import sessions
from clientele.core import http as api

app = api.resolver()


@app.delete("/app/session", include_in_schema=False)
def close_session() -> Response[Any]:
    api.same_origin(app)
    event = app.current_event
    sessions.sign_out(event.headers.get("cookie"), event.headers.get("x-csrf-token"))
    return Response(
        status_code=204,
        body=None,
        headers={"Set-Cookie": sessions.clear_cookie(secure=api.over_https(app)), "Cache-Control": "no-store"},
    )


lambda_handler = api.handler(app)

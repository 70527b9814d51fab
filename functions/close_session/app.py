"""DELETE /app/session: the console's sign-out. Deletes the session and clears its cookie."""

from typing import Any

from aws_lambda_powertools.event_handler import Response

from clientele.access import sessions
from clientele.core import http as api
from clientele.core.errors import AuthenticationRequired

app = api.resolver()


@app.delete("/app/session", include_in_schema=False)
def close_session() -> Response[Any]:
    api.same_origin(app)
    event, secure = app.current_event, api.over_https(app)
    # The cookie is cleared whatever happens: a page that signs out is signed out in its browser, even
    # when its session had already ended. The session itself is deleted only with the page's token.
    cleared = {"Set-Cookie": sessions.clear_cookie(secure=secure), "Cache-Control": "no-store"}
    try:
        sessions.sign_out(event.headers.get("cookie"), event.headers.get("x-csrf-token"), secure=secure)
    except AuthenticationRequired as error:
        refused = api.json_response(error.status, api.error_body(error, event.request_context.request_id))
        refused.headers.update(cleared)
        return refused
    return Response(status_code=204, body=None, headers=cleared)


lambda_handler = api.handler(app)

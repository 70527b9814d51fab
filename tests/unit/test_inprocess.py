"""The in-process harness answers requests in threads side by side, as Lambda answers them in
separate environments: each thread's handler reads its own request."""

import json
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any, cast

from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.utilities.typing import LambdaContext

from clientele_local.inprocess import Context, requests_per_thread


def _event(path: str, body: dict[str, Any]) -> dict[str, Any]:
    return {
        "resource": path,
        "path": path,
        "httpMethod": "POST",
        "headers": {"Content-Type": "application/json"},
        "body": json.dumps(body),
        "requestContext": {"requestId": path, "resourcePath": path, "httpMethod": "POST", "stage": "test"},
        "isBase64Encoded": False,
    }


def test_two_threads_answering_at_once_each_read_their_own_request() -> None:
    requests_per_thread()
    both_inside = threading.Barrier(2, timeout=5)
    apps = {name: APIGatewayRestResolver() for name in ("one", "two")}
    for name, app in apps.items():

        @app.post(f"/{name}")
        def read_body(app: APIGatewayRestResolver = app) -> dict[str, Any]:
            both_inside.wait()  # the other thread has set its request by now
            return {"seen": app.current_event.json_body["sender"]}

    def answer(name: str) -> str:
        response = apps[name].resolve(_event(f"/{name}", {"sender": name}), cast(LambdaContext, Context()))
        return str(json.loads(response["body"])["seen"])

    with ThreadPoolExecutor(max_workers=2) as pool:
        assert list(pool.map(answer, ["one", "two"])) == ["one", "two"]

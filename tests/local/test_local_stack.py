"""The local stack as a subprocess, driven over HTTP and through moto (fixture template)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import requests
from localstack_support import TEMPLATE, aws, read_jsonl, wait_until

from clientele_local.testing import RunningStack, running_stack

GOOD = {"Authorization": "Bearer good"}
READ_ONLY = {"Authorization": "Bearer readonly"}


def _get(stack: RunningStack, path: str, **kwargs: object) -> requests.Response:
    return requests.get(f"{stack.base_url}{path}", timeout=30, **kwargs)  # type: ignore[arg-type]


def _post(stack: RunningStack, path: str, **kwargs: object) -> requests.Response:
    return requests.post(f"{stack.base_url}{path}", timeout=30, **kwargs)  # type: ignore[arg-type]


def test_health_and_stack_file(stack: RunningStack) -> None:
    assert _get(stack, "/_local/health").json() == {"ok": True}
    info = json.loads((stack.state_dir / "stack.json").read_text())
    assert info["baseUrl"] == stack.base_url
    assert info["tableName"] == "clientele-local-Table"
    assert info["resources"]["Bucket"] == "clientele-local-bucket"
    assert info["resources"]["FailureQueue"].startswith(info["awsEndpointUrl"])
    assert info["region"] == "us-east-1"
    assert info["pid"] == stack.process.pid


def test_proxy_event_shape(stack: RunningStack) -> None:
    resp = _get(stack, "/things/42?a=1&a=2&b=x", headers={**GOOD, "X-Custom": "v"})
    assert resp.status_code == 200, resp.text
    assert resp.headers["X-Echo"] == "1"
    assert resp.headers["x-amzn-RequestId"]
    body = resp.json()
    event = body["event"]
    assert event["resource"] == "/things/{id}"
    assert event["path"] == "/things/42"
    assert event["httpMethod"] == "GET"
    assert event["pathParameters"] == {"id": "42"}
    assert event["queryStringParameters"] == {"a": "2", "b": "x"}
    assert event["multiValueQueryStringParameters"] == {"a": ["1", "2"], "b": ["x"]}
    assert event["headers"]["X-Custom"] == "v"
    assert event["multiValueHeaders"]["X-Custom"] == ["v"]
    assert event["body"] is None
    assert event["isBase64Encoded"] is False
    ctx = event["requestContext"]
    assert ctx["stage"] == "dev"
    assert ctx["path"] == "/things/42"  # served at the root, as behind a custom domain
    assert ctx["resourcePath"] == "/things/{id}"
    assert ctx["requestId"] == resp.headers["x-amzn-RequestId"]
    assert ctx["identity"]["sourceIp"] == "127.0.0.1"
    assert ctx["authorizer"] == {
        "principalId": "user-1",
        "org": "acme",
        "scope": "write",
        "count": "3",
        "admin": "false",
        "integrationLatency": 0,
    }
    assert body["env"]["AWS_ENDPOINT_URL"] == stack.aws_endpoint_url
    assert body["env"]["QUEUE_URL"] == stack.info["resources"]["FailureQueue"]
    assert body["context"]["function_name"] == "EchoFunction"
    assert body["context"]["memory"] == 1024
    assert 0 < body["context"]["remaining"] <= 5000
    assert body["layer"] == "fixture_layer"


def test_route_matching(stack: RunningStack) -> None:
    literal = _get(stack, "/things/search", headers=GOOD).json()["event"]
    assert literal["resource"] == "/things/search"
    assert literal["pathParameters"] is None
    greedy = requests.delete(f"{stack.base_url}/files/a/b/c.txt", headers=GOOD, timeout=30).json()["event"]
    assert greedy["resource"] == "/files/{proxy+}"
    assert greedy["pathParameters"] == {"proxy": "a/b/c.txt"}
    assert greedy["httpMethod"] == "DELETE"


def test_post_body_passed_through(stack: RunningStack) -> None:
    item = {"pk": {"S": "NOTHING#1"}, "sk": {"S": "x"}}  # not a THING#: filtered out of the stream
    event = _post(stack, "/things", headers=GOOD, json=item).json()["event"]
    assert json.loads(event["body"]) == item
    assert event["isBase64Encoded"] is False


def test_no_auth_route(stack: RunningStack) -> None:
    resp = _get(stack, "/public")
    assert resp.status_code == 200
    assert resp.json()["event"]["requestContext"]["authorizer"] is None


def _error(resp: requests.Response, status: int, code: str) -> None:
    assert resp.status_code == status, resp.text
    assert resp.headers["Content-Type"] == "application/json"
    assert resp.json()["error"]["code"] == code
    assert resp.json()["error"]["requestId"] == resp.headers["x-amzn-RequestId"]
    uuid.UUID(resp.json()["error"]["requestId"])


def test_missing_header_is_401(stack: RunningStack) -> None:
    _error(_get(stack, "/things/1"), 401, "authentication_required")


def test_authorizer_unauthorized_is_401(stack: RunningStack) -> None:
    _error(_get(stack, "/things/1", headers={"Authorization": "Bearer bad"}), 401, "authentication_required")


def test_read_only_key(stack: RunningStack) -> None:
    assert _get(stack, "/things/1", headers=READ_ONLY).status_code == 200
    _error(_post(stack, "/things", headers=READ_ONLY, json={}), 403, "read_only_key")


def test_unknown_route_and_method_are_404(stack: RunningStack) -> None:
    _error(_get(stack, "/nope", headers=GOOD), 404, "route_not_found")
    _error(requests.put(f"{stack.base_url}/things/1", headers=GOOD, timeout=30), 404, "route_not_found")


def test_errors_are_5xx(stack: RunningStack) -> None:
    resp = _get(stack, "/things/1?crash=1", headers=GOOD)
    _error(resp, 502, "internal_error")
    assert resp.json()["error"]["message"] == "Internal server error"  # $context.error.messageString
    _error(_get(stack, "/things/1", headers={"Authorization": "Bearer boom"}), 500, "internal_error")
    assert _get(stack, "/things/1", headers=GOOD).status_code == 200  # the worker survived


def test_stream_batches_retries_and_failure_queue(stack: RunningStack, out_dir: Path) -> None:
    sqs = aws(stack, "sqs")
    queue = stack.info["resources"]["FailureQueue"]
    run = uuid.uuid4().hex[:6]
    for i in range(5):
        item = {"pk": {"S": f"THING#{run}#{i}"}, "sk": {"S": "x"}}
        if i == 2:
            item["fail"] = {"S": "always"}
        assert _post(stack, "/things", headers=GOOD, json=item).status_code == 200
    _post(stack, "/things", headers=GOOD, json={"pk": {"S": f"OTHER#{run}"}, "sk": {"S": "x"}})

    def failure_message() -> dict[str, object] | None:
        msgs = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10).get("Messages", [])
        return json.loads(msgs[0]["Body"]) if msgs else None

    message = wait_until(failure_message)

    def mine() -> list[list[dict[str, str]]]:
        batches = read_jsonl(out_dir / "stream.jsonl")
        return [b for b in batches if any(run in r["pk"] for r in b)]

    batches = wait_until(lambda: (b := mine()) and any(r["pk"].endswith("#4") for x in b for r in x) and b)
    assert all(1 <= len(b) <= 2 for b in batches)  # BatchSize: 2
    delivered = [r["pk"] for b in batches for r in b]
    assert not any("OTHER" in pk for pk in delivered)  # FilterCriteria
    failing = f"THING#{run}#2"
    assert delivered.count(failing) == 2  # first try + MaximumRetryAttempts: 1
    for i in (0, 1, 4):
        assert delivered.count(f"THING#{run}#{i}") == 1
    seq = next(r["seq"] for b in batches for r in b if r["pk"] == failing)
    info = message["DDBStreamBatchInfo"]
    assert info["startSequenceNumber"] == seq
    assert info["streamArn"] == batches[0][0]["source"]
    assert message["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert message["requestContext"]["functionArn"].endswith(":function:StreamFunction")


def test_s3_notifications_honour_prefix(stack: RunningStack, out_dir: Path) -> None:
    s3 = aws(stack, "s3")
    bucket = stack.info["resources"]["Bucket"]
    run = uuid.uuid4().hex[:6]
    s3.put_object(Bucket=bucket, Key=f"other/{run}.csv", Body=b"no")
    s3.put_object(Bucket=bucket, Key=f"uploads/{run}.csv", Body=b"yes")

    def keys() -> list[str]:
        return [r["key"] for batch in read_jsonl(out_dir / "s3.jsonl") for r in batch if run in r["key"]]

    assert wait_until(keys) == [f"uploads%2F{run}.csv"]
    time.sleep(0.5)  # a poll cycle or two: the filtered-out object must still not show up
    assert keys() == [f"uploads%2F{run}.csv"]


def test_data_survives_restart(tmp_path: Path) -> None:
    state, out = tmp_path / "state", tmp_path / "out"
    args = ["-P", f"OutputDir={out}"]
    item = {"pk": {"S": "THING#persist"}, "sk": {"S": "x"}, "n": {"N": "7"}}
    with running_stack(state_dir=state, template=TEMPLATE, demo_key=False, extra_args=args) as first:
        assert _post(first, "/things", headers=GOOD, json=item).status_code == 200
        aws(first, "s3").put_object(
            Bucket="clientele-local-bucket", Key="exports/a/b.csv", Body=b"a,b\n", ContentType="text/csv"
        )
        wait_until(lambda: read_jsonl(out / "stream.jsonl"))
    assert not (state / "stack.json").exists()
    assert first.process.returncode == 0
    assert (state / "data" / "Table.jsonl").exists()
    (out / "stream.jsonl").unlink()

    with running_stack(state_dir=state, template=TEMPLATE, demo_key=False, extra_args=args) as second:
        got = aws(second, "dynamodb").get_item(
            TableName="clientele-local-Table", Key={"pk": item["pk"], "sk": item["sk"]}
        )
        assert got["Item"] == item
        obj = aws(second, "s3").get_object(Bucket="clientele-local-bucket", Key="exports/a/b.csv")
        assert obj["Body"].read() == b"a,b\n"
        assert obj["ContentType"] == "text/csv"
        time.sleep(0.6)  # reloaded items must not be replayed to the stream function
        assert read_jsonl(out / "stream.jsonl") == []


def _objects(stack: RunningStack) -> dict[str, tuple[bytes, str, dict[str, str]]]:
    s3 = aws(stack, "s3")
    listed = s3.list_objects_v2(Bucket="clientele-local-bucket").get("Contents", [])
    found = {}
    for entry in listed:
        got = s3.get_object(Bucket="clientele-local-bucket", Key=entry["Key"])
        found[entry["Key"]] = (got["Body"].read(), got["ContentType"], got["Metadata"])
    return found


def test_acknowledged_writes_survive_a_sigkill(tmp_path: Path) -> None:
    """The journal (clientele_local/journal.py): what moto answered before the crash is there after it."""
    state, args = tmp_path / "state", ["-P", f"OutputDir={tmp_path / 'out'}"]
    kept = {"pk": {"S": "THING#kept"}, "sk": {"S": "x"}, "n": {"N": "2"}, "raw": {"B": b"\x00\x01"}}
    with running_stack(state_dir=state, template=TEMPLATE, demo_key=False, extra_args=args) as first:
        ddb, s3 = aws(first, "dynamodb"), aws(first, "s3")
        ddb.put_item(TableName="clientele-local-Table", Item={**kept, "n": {"N": "1"}})
        ddb.update_item(
            TableName="clientele-local-Table",
            Key={"pk": kept["pk"], "sk": kept["sk"]},
            UpdateExpression="SET n = n + :one",
            ExpressionAttributeValues={":one": {"N": "1"}},
        )
        ddb.put_item(TableName="clientele-local-Table", Item={"pk": {"S": "THING#gone"}, "sk": {"S": "x"}})
        ddb.delete_item(TableName="clientele-local-Table", Key={"pk": {"S": "THING#gone"}, "sk": {"S": "x"}})
        s3.put_object(
            Bucket="clientele-local-bucket",
            Key="exports/a.csv",
            Body=b"a,b\n1,2\n",
            ContentType="text/csv",
            Metadata={"job": "j1"},
        )
        s3.copy_object(
            Bucket="clientele-local-bucket",
            Key="exports/copy.csv",
            CopySource={"Bucket": "clientele-local-bucket", "Key": "exports/a.csv"},
        )
        s3.put_object(Bucket="clientele-local-bucket", Key="exports/gone.csv", Body=b"x")
        s3.delete_object(Bucket="clientele-local-bucket", Key="exports/gone.csv")
        before = _objects(first)
        os.killpg(first.process.pid, signal.SIGKILL)  # the stack and its workers, no graceful stop
        first.process.wait(30)
    assert first.process.returncode == -signal.SIGKILL
    assert not (state / "data").exists()  # nothing was saved but the journal

    with running_stack(state_dir=state, template=TEMPLATE, demo_key=False, extra_args=args) as second:
        assert second.wait_for_output("journal: replayed")
        items = aws(second, "dynamodb").scan(TableName="clientele-local-Table")["Items"]
        assert items == [kept]
        assert _objects(second) == before
        assert before["exports/a.csv"] == (b"a,b\n1,2\n", "text/csv", {"job": "j1"})
        assert set(before) == {"exports/a.csv", "exports/copy.csv"}
        # The replay was folded into a snapshot at once, and the journal started afresh.
        assert [json.loads(line) for line in (state / "data" / "Table.jsonl").read_text().splitlines()] != []
        assert [segment.stat().st_size for segment in (state / "journal").glob("*.jsonl")] == [0]


def test_a_graceful_stop_folds_the_journal_into_the_snapshot(tmp_path: Path) -> None:
    state, args = tmp_path / "state", ["-P", f"OutputDir={tmp_path / 'out'}"]
    item = {"pk": {"S": "THING#folded"}, "sk": {"S": "x"}}
    with running_stack(state_dir=state, template=TEMPLATE, demo_key=False, extra_args=args) as stack:
        aws(stack, "dynamodb").put_item(TableName="clientele-local-Table", Item=item)
        (segment,) = (state / "journal").glob("*.jsonl")
        assert b"THING#folded" in segment.read_bytes()  # on disk as soon as moto answered
    assert stack.process.returncode == 0
    assert not list((state / "journal").glob("*.jsonl"))  # emptied: the snapshot holds it now
    assert [json.loads(line) for line in (state / "data" / "Table.jsonl").read_text().splitlines()] == [item]


def test_a_stack_stops_when_the_session_that_started_it_is_killed(tmp_path: Path) -> None:
    """A test session killed outright (a timeout, an OOM kill) never runs its graceful stop: the stack,
    in a session of its own, notices its starter is gone and stops itself (CLIENTELE_EXIT_WITH_PID)."""
    state = tmp_path / "state"
    starter = (
        "import sys, time\n"
        "from clientele_local.testing import running_stack\n"
        f"with running_stack(state_dir={str(state)!r}, template={str(TEMPLATE)!r}, demo_key=False):\n"
        "    print('ready', flush=True)\n"
        "    time.sleep(600)\n"
    )
    session = subprocess.Popen([sys.executable, "-c", starter], stdout=subprocess.PIPE, text=True)
    try:
        assert session.stdout is not None
        assert session.stdout.readline().strip() == "ready"
        stack_pid = json.loads((state / "stack.json").read_text())["pid"]
        session.kill()  # SIGKILL: no finally, no graceful stop from the session
        session.wait(10)
        wait_until(lambda: not _running(stack_pid), timeout=30)
    finally:
        if session.poll() is None:
            session.kill()
        if stack_pid and _running(stack_pid):  # the check failed: leave no stack behind
            os.killpg(stack_pid, signal.SIGKILL)
    assert (state / "data" / "Table.jsonl").exists()  # it stopped gracefully: its data was saved


def _running(pid: int) -> bool:
    """Whether `pid` is a live process (a zombie, already exited but not yet reaped, counts as gone)."""
    try:
        status = Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1].split()[0]
    except (FileNotFoundError, IndexError):
        return False
    return status != "Z"

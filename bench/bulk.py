"""Bulk work in the bench: consumer exports of a 10k and a 100k tenant, and an import of 100k rows.

Each runs through the real code (clientele.jobs.exports.run_export, clientele.jobs.imports.start_import and
run_chunk, which the stream functions call) on the loaded tables, beside its raw floor on the same
store: a bare Query of the same rows for an export, bare BatchWriteItems of the same items for an
import. Peak memory is what tracemalloc sees the export allocate, with S3 swapped for a sink that
keeps nothing (moto's S3 lives in this process; a Lambda's S3 does not).
"""

from __future__ import annotations

import contextlib
import io
import os
import time
import tracemalloc
from collections.abc import Callable, Iterator
from typing import Any

from bench import store as bench_store
from bench.dynamo_meter import Meter
from clientele.consumers import store as consumer_store
from clientele.consumers.enums import Source
from clientele.consumers.requests import ConsumerCreate
from clientele.consumers.service import new_consumer
from clientele.core import aws, settings
from clientele.core.store import dynamo
from clientele.core.tenancy import Environment, Tenant
from clientele.jobs import exports, import_jobs, import_store, imports
from clientele.jobs.models import ConsumerExportCreate, ImportCreate, ImportJob, OnDuplicate

BUCKET = "clientele-bench-files"
IMPORT_ROWS = int(os.environ.get("BENCH_IMPORT_ROWS", "100000"))
METERED_ROWS = 2000


def _tenant(organization: str) -> Tenant:
    return Tenant(organization=organization, environment=Environment.SANDBOX)


class _Sink:
    """An S3 client that takes the parts and keeps nothing: the export's own memory, measured alone."""

    def create_multipart_upload(self, **_: Any) -> dict[str, str]:
        return {"UploadId": "sink"}

    def upload_part(self, **kwargs: Any) -> dict[str, str]:
        return {"ETag": f'"{kwargs["PartNumber"]}"'}

    def complete_multipart_upload(self, **_: Any) -> None:
        return None

    def put_object(self, **_: Any) -> None:
        return None

    def abort_multipart_upload(self, **_: Any) -> None:
        return None


def _export(tenant: Tenant) -> int:
    job = exports.create_consumer_export(tenant, ConsumerExportCreate())
    rows = exports.run_export(tenant, job)
    assert rows is not None
    return rows


def _raw_query(raw: Any, tenant: Tenant) -> int:
    """The floor: every consumer of the tenant, newest first, read as the export reads them."""
    params: dict[str, Any] = {
        "TableName": os.environ["TABLE_NAME"],
        "IndexName": "gsi1",
        "KeyConditionExpression": "gsi1pk = :h",
        "ExpressionAttributeValues": {":h": {"S": consumer_store.ConsumerRecord.list_key(tenant)}},
        "ScanIndexForward": False,
        "Limit": 1000,
    }
    count = 0
    while True:
        response = raw.query(**params)
        count += len(response["Items"])
        if "LastEvaluatedKey" not in response:
            return count
        params["ExclusiveStartKey"] = response["LastEvaluatedKey"]


def _timed(work: Callable[[], int]) -> tuple[int, float]:
    start = time.perf_counter()
    count = work()
    return count, time.perf_counter() - start


def _peak_bytes(work: Callable[[], Any]) -> int:
    original = aws.s3
    aws.s3 = lambda: _Sink()  # type: ignore[assignment]
    tracemalloc.start()
    try:
        work()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
        aws.s3 = original  # type: ignore[assignment]


def export_rows(meter: Meter, raw: Any, tenants: dict[str, str]) -> list[dict[str, Any]]:
    """{size name: organization} -> one row per size: rows/s beside the raw Query's (both unmetered),
    then peak memory and DynamoDB requests from a metered run into the sink, and the raw Query's peak
    (moto answering in this process: a floor the export's peak includes, which a Lambda's does not)."""
    rows = []
    for size, organization in tenants.items():
        tenant = _tenant(organization)
        bench_store.settle()
        with _unmetered(meter):
            count, seconds = _timed(lambda tenant=tenant: _export(tenant))  # type: ignore[misc]
        raw_count, raw_seconds = _timed(lambda tenant=tenant: _raw_query(raw, tenant))  # type: ignore[misc]
        assert raw_count == count, (raw_count, count)
        meter.reset()
        peak = _peak_bytes(lambda tenant=tenant: _export(tenant))  # type: ignore[misc]
        raw_peak = _peak_bytes(lambda tenant=tenant: _raw_query(raw, tenant))  # type: ignore[misc]
        rate, floor = count / seconds, raw_count / raw_seconds
        rows.append(
            {
                "operation": f"export {size} consumers (CSV)",
                "rows": count,
                "seconds": round(seconds, 1),
                "rowsPerSecond": round(rate),
                "rawRowsPerSecond": round(floor),
                "ratioToRaw": round(rate / floor, 2),
                "dynamodbRequests": sum(meter.requests.values()),
                "peakMemoryMiB": round(peak / 2**20, 1),
                "rawPeakMemoryMiB": round(raw_peak / 2**20, 1),
            }
        )
    rows[-1]["peakMemoryRatioToFirst"] = round(rows[-1]["peakMemoryMiB"] / rows[0]["peakMemoryMiB"], 2)
    return rows


@contextlib.contextmanager
def _unmetered(meter: Meter) -> Iterator[None]:
    """The meter reads every item a write replaces: timed runs go without it."""
    meter.detach(aws.dynamodb())
    try:
        yield
    finally:
        meter.attach(aws.dynamodb())


def _import_file(count: int) -> bytes:
    """`count` rows: every 50th repeats an earlier email (a duplicate), every 100th has a bad email
    (rows 74, 174, ...: none of them a duplicate row, so both kinds are in the file)."""
    text = io.StringIO()
    text.write("email,first name,last name,phone,tags,metadata.source\n")
    for number in range(count):
        email = f"import{number}@example.com"
        if number % 50 == 49:
            email = f"import{number - 10}@example.com"
        elif number % 100 == 74:
            email = f"import{number}-at-example.com"
        text.write(f"{email},First{number},Last{number},+1415555{number % 10000:04d},bench;import,csv\n")
    return text.getvalue().encode()


def _items_of(tenant: Tenant, numbers: range) -> list[dict[str, Any]]:
    """The items an import of new consumers stores, one consumer per number: what the raw floor writes."""
    items = []
    for number in numbers:
        request = ConsumerCreate(
            email=f"raw{number}@example.com",
            first_name=f"First{number}",
            last_name=f"Last{number}",
            phone=f"+1415555{number % 10000:04d}",
            tags=["bench", "import"],
            metadata={"source": "csv"},
            source="import",  # type: ignore[arg-type]
        )
        write = consumer_store.insert_write(tenant, new_consumer(request, "2026-11-01T00:00:00.000Z", Source.API))
        items += [operation["Put"]["Item"] for operation in write.operations if "Put" in operation]
    return items


def _raw_batch_writes(raw: Any, items: list[dict[str, Any]]) -> int:
    table = os.environ["TABLE_NAME"]
    for start in range(0, len(items), dynamo.MAX_BATCH_WRITES):
        batch = [{"PutRequest": {"Item": item}} for item in items[start : start + dynamo.MAX_BATCH_WRITES]]
        pending: dict[str, Any] = {table: batch}
        while pending:
            pending = raw.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}
    return len(items)


def _import_steps(tenant: Tenant, content: bytes) -> Iterator[str]:
    """An import of the file as the S3 event and the stream run it, one step per next(): the upload and
    the file's survey, then each chunk. Yields the job's id."""
    job = import_jobs.create_import(tenant, ImportCreate(on_duplicate=OnDuplicate.SKIP))
    etag = aws.s3().put_object(Bucket=BUCKET, Key=import_store.upload_key(tenant, job.id), Body=content)["ETag"]
    assert imports.start_import(tenant, job.id, len(content), etag)
    yield job.id
    chunk = 0
    while imports.run_chunk(tenant, job.id, chunk) is not None:
        chunk += 1
        yield job.id


def _finished(tenant: Tenant, import_id: str) -> ImportJob:
    done = import_jobs.get_import(tenant, import_id)
    assert done.status == "succeeded", done
    return done


def _run_import(tenant: Tenant, rows: int) -> ImportJob:
    """An import of `rows` rows, start to end."""
    *_, import_id = _import_steps(tenant, _import_file(rows))
    return _finished(tenant, import_id)


def import_row(meter: Meter, raw: Any) -> dict[str, Any]:
    """IMPORT_ROWS rows into a new tenant (timed, unmetered), each step followed by bare BatchWriteItems
    of the items of as many new consumers as it created: interleaved, both see the same table and the
    same load on the machine. Then a metered import of METERED_ROWS rows for its requests and write units."""
    tenant, raw_tenant = _tenant("bulk-import"), _tenant("bulk-import-raw")
    seconds = raw_seconds = 0.0
    written = raw_items = 0
    steps = _import_steps(tenant, _import_file(IMPORT_ROWS))
    bench_store.settle()
    with _unmetered(meter):
        while True:
            start = time.perf_counter()
            import_id = next(steps, None)
            seconds += time.perf_counter() - start
            if import_id is None:
                break
            job_id, created = import_id, import_jobs.get_import(tenant, import_id).created
            items = _items_of(raw_tenant, range(written, created))
            count, spent = _timed(lambda items=items: _raw_batch_writes(raw, items))  # type: ignore[misc]
            raw_items, raw_seconds, written = raw_items + count, raw_seconds + spent, created
            bench_store.settle()  # what both stored is the table's now
    done = _finished(tenant, job_id)
    meter.reset()
    _run_import(_tenant("bulk-import-metered"), METERED_ROWS)
    rate, floor = done.created / seconds, done.created / raw_seconds  # consumers stored per second
    return {
        "operation": f"import {IMPORT_ROWS // 1000}k rows (CSV)",
        "rows": IMPORT_ROWS,
        "created": done.created,
        "skipped": done.skipped,
        "failed": done.failed,
        "seconds": round(seconds, 1),
        "rowsPerSecond": round(IMPORT_ROWS / seconds),
        "consumersPerSecond": round(rate),
        "rawConsumersPerSecond": round(floor),
        "ratioToRaw": round(rate / floor, 2),
        "dynamodbRequests": round(sum(meter.requests.values()) * IMPORT_ROWS / METERED_ROWS),
        "wcuPerRow": round(meter.write_units / METERED_ROWS, 2),
        "itemsPerConsumer": round(raw_items / done.created, 2),
    }


def bulk_rows(meter: Meter, raw: Any, tenants: dict[str, str]) -> list[dict[str, Any]]:
    """The export rows ({size name: organization} of loaded tenants), then the import row."""
    aws.s3().create_bucket(Bucket=BUCKET)
    os.environ["EXPORTS_BUCKET"] = BUCKET
    settings.reset()
    return [*export_rows(meter, raw, tenants), import_row(meter, raw)]

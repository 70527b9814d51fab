"""The local store's write-ahead journal: an acknowledged write is on disk before its answer.

persistence.py saves the tables and buckets at a graceful stop only, so a SIGKILL of `make run`
lost every write since the start, although each had been answered 2xx. Here, while the moto
server handles a request, the write paths note which items and objects it changes (moto_patches.py
installs `noted_*` over moto's own); before the server answers, the request's after-images (each
item or object as it now is, or its absence) are appended to <state>/journal/ as one line and
fsync'd. A function's boto3 call returns only once moto has answered it, and the function answers
the gateway only after its calls have returned: so every 2xx the gateway sends comes after its
writes reached the disk. One append and one fsync per write request, however many items it
changed; requests that finish together share an fsync.

After-images, not requests, so a replay needs no conditions, clocks or ordering between requests
beyond the file's own: applying a line puts each item or object back as it was then, and applying
a line twice changes nothing. A TransactWriteItems that was cancelled wrote nothing and notes
nothing (`committed_only`).

The journal is folded into the snapshot (persistence.dump) at a graceful stop and at the next
start (replay, then dump, then delete the replayed files). Every record is `<crc32> <json>`:
- a bad *last* record of a file is the write a crash cut short, never acknowledged: skipped with
  a warning;
- a bad record followed by good ones cannot come from a crash (the file is only appended to): it is
  skipped with an error and the rest replayed (each later record is a whole after-image, so it is
  still right), and the file is kept as <name>.<time>.corrupt beside the journal for inspection.
"""

from __future__ import annotations

import base64
import functools
import json
import logging
import os
import threading
import time
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from clientele_local import atomic

log = logging.getLogger("clientele_local")

# What one request changed: (kind, container, key) -> what to read its after-image from.
Notes = dict[tuple[Any, ...], tuple[Any, ...]]
_REQUEST = threading.local()  # .notes: the running server request's Notes (None outside one)
_sync = getattr(os, "fdatasync", os.fsync)


def _note(key: tuple[Any, ...], source: tuple[Any, ...]) -> None:
    notes = getattr(_REQUEST, "notes", None)
    if notes is not None:
        notes[key] = source


# ----------------------------------------------------------------------------- write paths


def noted_put(put: Any) -> Any:
    """Table.put_item: every put moto makes (PutItem, BatchWriteItem, a transaction's Put)."""

    @functools.wraps(put)
    def put_item(self: Any, *args: Any, **kwargs: Any) -> Any:
        item = put(self, *args, **kwargs)
        _note(("ddb", id(self), item.hash_key, item.range_key), (self, item.hash_key, item.range_key))
        return item

    return put_item


def noted_delete(delete: Any) -> Any:
    """Table.delete_item: every delete moto makes."""

    @functools.wraps(delete)
    def delete_item(self: Any, hash_key: Any, range_key: Any) -> Any:
        item = delete(self, hash_key, range_key)
        if item is not None:
            _note(("ddb", id(self), hash_key, range_key), (self, hash_key, range_key))
        return item

    return delete_item


def noted_update(update: Any) -> Any:
    """DynamoDBBackend.update_item: moto changes the item in place, not through Table.put_item."""

    @functools.wraps(update)
    def update_item(self: Any, table_name: str, *args: Any, **kwargs: Any) -> Any:
        item = update(self, table_name, *args, **kwargs)
        table = self.get_table(table_name)
        _note(("ddb", id(table), item.hash_key, item.range_key), (table, item.hash_key, item.range_key))
        return item

    return update_item


def committed_only(transact: Any) -> Any:
    """DynamoDBBackend.transact_write_items: a cancelled transaction's writes were undone (atomic.py),
    so its notes are dropped: only committed transactions reach the journal."""

    @functools.wraps(transact)
    def transact_write_items(self: Any, *args: Any, **kwargs: Any) -> Any:
        notes = getattr(_REQUEST, "notes", None)
        before = len(notes) if notes is not None else 0
        try:
            return transact(self, *args, **kwargs)
        except Exception:
            if notes is not None:
                for key in list(notes)[before:]:
                    del notes[key]
            raise

    return transact_write_items


def noted_put_object(put: Any) -> Any:
    """S3Backend.put_object: PutObject, CopyObject and CompleteMultipartUpload all end here (the
    metadata is set after it returns: the after-image is read once the request is done)."""

    @functools.wraps(put)
    def put_object(self: Any, bucket_name: str, key_name: str, *args: Any, **kwargs: Any) -> Any:
        new_key = put(self, bucket_name, key_name, *args, **kwargs)
        _note(("s3", bucket_name, key_name), (self, bucket_name, key_name))
        return new_key

    return put_object


def noted_delete_object(delete: Any) -> Any:
    """S3Backend.delete_object: DeleteObject and each key of DeleteObjects."""

    @functools.wraps(delete)
    def delete_object(self: Any, bucket_name: str, key_name: str, *args: Any, **kwargs: Any) -> Any:
        answer = delete(self, bucket_name, key_name, *args, **kwargs)
        _note(("s3", bucket_name, key_name), (self, bucket_name, key_name))
        return answer

    return delete_object


def around_requests(call: Any) -> Any:
    """DomainDispatcherApplication.__call__, the moto server's WSGI entry: notes what the request
    writes and commits it to the active journal before returning. A WSGI server sends nothing before
    the application returns its body, so the answer leaves after the fsync; if the commit fails,
    the request fails (500) rather than being acknowledged."""

    @functools.wraps(call)
    def serve(self: Any, environ: dict[str, Any], start_response: Any) -> Any:
        journal = _ACTIVE
        if journal is None:
            return call(self, environ, start_response)
        notes: Notes = {}
        _REQUEST.notes = notes
        try:
            return call(self, environ, start_response)
        finally:
            _REQUEST.notes = None
            if notes:
                journal.commit(notes)

    return serve


_ACTIVE: Journal | None = None


def activate(journal: Journal | None) -> None:
    """Makes the moto server journal its writes to `journal` (None: stop journaling)."""
    global _ACTIVE
    _ACTIVE = journal


# ----------------------------------------------------------------------------- records


def _after_images(notes: Notes) -> dict[str, list[Any]]:
    """What each noted item and object is now: read after the request's writes, and appended before
    any later request's, so the last line that names an item holds its latest state."""
    ddb: list[Any] = []
    s3: list[Any] = []
    with atomic.LOCK:  # moto changes items in place under this lock
        for key, source in notes.items():
            if key[0] == "ddb":
                table, hash_key, range_key = source
                item = table.get_item(hash_key, range_key)
                item_key = {table.hash_key_attr: _json(hash_key)}
                if range_key is not None:
                    item_key[table.range_key_attr] = _json(range_key)
                image = {name: _json(value) for name, value in item.attrs.items()} if item is not None else None
                ddb.append([table.name, item_key, image])
    for key, source in notes.items():
        if key[0] == "s3":
            backend, bucket_name, key_name = source
            s3.append([bucket_name, key_name, _object_image(backend, bucket_name, key_name)])
    return {"ddb": ddb, "s3": s3}


def _json(value: Any) -> dict[str, Any]:
    """A moto DynamoType as DynamoDB JSON (binary as base64, as on the wire)."""
    kind, inner = value.type, value.value
    if kind == "M":
        return {kind: {name: _json(member) for name, member in inner.items()}}
    if kind == "L":
        return {kind: [_json(member) for member in inner]}
    if kind == "B":
        return {kind: _b64(inner)}
    if kind == "BS":
        return {kind: [_b64(member) for member in inner]}
    return {kind: inner}


def _b64(value: bytes | str) -> str:
    return base64.b64encode(value).decode() if isinstance(value, bytes) else value


def binary_as_bytes(value: Any) -> Any:
    """DynamoDB JSON with binary as bytes, as boto3 and moto's backend take it (JSON has base64)."""
    if isinstance(value, dict):
        if len(value) == 1 and "B" in value and isinstance(value["B"], str):
            return {"B": base64.b64decode(value["B"])}
        if len(value) == 1 and "BS" in value and isinstance(value["BS"], list):
            return {"BS": [base64.b64decode(member) for member in value["BS"]]}
        return {name: binary_as_bytes(member) for name, member in value.items()}
    if isinstance(value, list):
        return [binary_as_bytes(member) for member in value]
    return value


def _object_image(backend: Any, bucket_name: str, key_name: str) -> dict[str, Any] | None:
    from moto.s3.models import FakeKey

    bucket = backend.buckets.get(bucket_name)
    current = bucket.keys.get(key_name) if bucket is not None else None
    if not isinstance(current, FakeKey):  # absent, or a delete marker
        return None
    metadata = {name: str(value) for name, value in current.metadata.items()}  # content type included
    return {"body": base64.b64encode(current.value).decode(), "metadata": metadata}


def encode(record: dict[str, Any]) -> bytes:
    payload = json.dumps(record, separators=(",", ":")).encode()
    return b"%08x %s\n" % (zlib.crc32(payload), payload)


def decode(line: bytes) -> dict[str, Any] | None:
    """The record of one line, or None if the line is not a whole, intact record."""
    checksum, _, payload = line.partition(b" ")
    try:
        if int(checksum, 16) != zlib.crc32(payload):
            return None
        record = json.loads(payload)
    except ValueError:
        return None
    return record if isinstance(record, dict) else None


def into_moto(account_id: str, region: str) -> Callable[[dict[str, Any]], None]:
    """Applies a record to moto's backends directly: the after-images go back as they were written
    (binary attributes and all), with no stream of requests to re-run."""
    from moto.dynamodb.models import dynamodb_backends
    from moto.s3.models import s3_backends

    ddb = dynamodb_backends[account_id][region]
    s3 = s3_backends[account_id]["aws"]

    def apply(record: dict[str, Any]) -> None:
        for table, key, item in record.get("ddb", []):
            if table not in ddb.tables:
                log.warning("journal: no table %s any more; its item is not restored", table)
            elif item is None:
                ddb.delete_item(table, binary_as_bytes(key))
            else:
                ddb.put_item(table, binary_as_bytes(item))
        for bucket, key, image in record.get("s3", []):
            if bucket not in s3.buckets:
                log.warning("journal: no bucket %s any more; its object is not restored", bucket)
            elif image is None:
                s3.delete_object(bucket, key)
            else:
                stored = s3.put_object(bucket, key, base64.b64decode(image["body"]), disable_notification=True)
                stored.set_metadata(dict(image["metadata"]))

    return apply


# ----------------------------------------------------------------------------- the files


@dataclass
class Replayed:
    segments: list[Path]
    records: int = 0


@dataclass
class Journal:
    """<folder>/<n>.jsonl segments, appended to by `commit`, one open at a time."""

    folder: Path
    _fd: int | None = field(default=None, init=False)
    _path: Path | None = field(default=None, init=False)
    _appended: int = field(default=0, init=False)  # records written so far (all segments)
    _synced: int = field(default=0, init=False)  # records known to be on disk
    _append_lock: threading.Lock = field(default_factory=threading.Lock, init=False)
    _sync_lock: threading.Lock = field(default_factory=threading.Lock, init=False)
    _corrupt: set[Path] = field(default_factory=set, init=False)

    def segments(self) -> list[Path]:
        if not self.folder.is_dir():
            return []
        return sorted((p for p in self.folder.glob("*.jsonl") if p.stem.isdigit()), key=lambda p: int(p.stem))

    # -- writing

    def open(self) -> None:
        """Starts a new segment after the existing ones."""
        self.folder.mkdir(parents=True, exist_ok=True)
        with self._append_lock, self._sync_lock:
            self._open_next()

    def _open_next(self) -> None:
        existing = self.segments()
        number = int(existing[-1].stem) + 1 if existing else 1
        self._path = self.folder / f"{number:06d}.jsonl"
        self._fd = os.open(self._path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        _fsync_dir(self.folder)  # the new file's name is on disk too

    def commit(self, notes: Notes) -> None:
        """Appends the request's after-images as one record and returns once it is on disk."""
        with self._append_lock:
            if self._fd is None:
                raise RuntimeError("the local store's journal is closed")
            line = encode(_after_images(notes))
            _write_all(self._fd, line)
            self._appended += 1
            mine = self._appended
        self._sync_up_to(mine)

    def _sync_up_to(self, record: int) -> None:
        """One fsync covers every record appended before it began: a request that waited for another's
        fsync finds its own record already synced."""
        with self._sync_lock:
            if self._synced >= record:
                return
            target = self._appended  # written before this read, so covered by the fsync below
            assert self._fd is not None
            _sync(self._fd)
            self._synced = target

    def rotate(self) -> list[Path]:
        """Closes the open segment (synced) and opens the next; returns the closed ones, which a
        snapshot taken from now on covers."""
        with self._append_lock, self._sync_lock:
            older = [p for p in self.segments() if p != self._path]
            if self._fd is not None:
                _sync(self._fd)
                os.close(self._fd)
                self._synced = self._appended
                older.append(self._path)  # type: ignore[arg-type]
            self._open_next()
        return older

    def close(self) -> None:
        """Syncs and closes the open segment; an empty one is removed."""
        with self._append_lock, self._sync_lock:
            if self._fd is None:
                return
            _sync(self._fd)
            os.close(self._fd)
            self._fd = None
            self._synced = self._appended
            if self._path is not None and self._path.stat().st_size == 0:
                self._path.unlink()
                _fsync_dir(self.folder)

    # -- reading

    def replay(self, apply: Callable[[dict[str, Any]], None]) -> Replayed:
        """Applies every record of every segment, oldest first (before `open`)."""
        replayed = Replayed(self.segments())
        for path in replayed.segments:
            for record in self._records(path):
                apply(record)
                replayed.records += 1
        if replayed.records:
            log.info("journal: replayed %d write(s) from %s", replayed.records, self.folder)
        return replayed

    def _records(self, path: Path) -> Iterable[dict[str, Any]]:
        lines = path.read_bytes().split(b"\n")
        if not lines[-1]:
            lines.pop()  # the file ends with a newline, as every whole record does
        for number, line in enumerate(lines, start=1):
            record = decode(line)
            if record is not None:
                yield record
            elif number == len(lines):
                log.warning("journal: %s ends with a torn record (line %d), skipped", path.name, number)
            else:
                self._corrupt.add(path)
                log.error("journal: %s line %d is corrupt: skipped (the file is kept aside)", path.name, number)

    def remove(self, segments: Iterable[Path]) -> None:
        """Deletes segments a durable snapshot now holds; a corrupt one is kept aside instead."""
        for path in segments:
            if path in self._corrupt:
                aside = path.with_name(f"{path.name}.{time.strftime('%Y%m%dT%H%M%S')}.corrupt")
                path.replace(aside)
                log.error("journal: the corrupt %s is kept as %s", path.name, aside)
            else:
                path.unlink(missing_ok=True)
        _fsync_dir(self.folder)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _fsync_dir(folder: Path) -> None:
    if not folder.is_dir():
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)

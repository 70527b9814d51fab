"""Dump tables and buckets on a graceful stop; reload them on the next start.

Layout under <state>/data/: <TableLogicalId>.jsonl (DynamoDB JSON, one item a line),
s3/<BucketLogicalId>/<key> (object bytes) and s3/<BucketLogicalId>.index.jsonl (key,
content type, metadata). The whole data/ folder is replaced atomically, and is on disk (fsync'd)
before dump returns: the journal (journal.py) that it folds in is deleted after it.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import shutil
from pathlib import Path, PurePosixPath
from typing import Any

from clientele_local.journal import binary_as_bytes
from clientele_local.resources import Moto
from clientele_local.template import BUCKET, TABLE, Template

log = logging.getLogger("clientele_local")


def _safe_key_path(root: Path, key: str) -> Path | None:
    parts = PurePosixPath(key).parts
    if not key or key.endswith("/") or any(p in ("..", "/") for p in parts):
        return None
    return root.joinpath(*parts)


def dump(tpl: Template, moto: Moto, state_dir: Path) -> None:
    data, tmp = state_dir / "data", state_dir / "data.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    ddb, s3 = moto.client("dynamodb"), moto.client("s3")
    counts: list[str] = []

    for logical_id in tpl.resources(TABLE):
        name = tpl.physical_name(logical_id)
        n = 0
        with (tmp / f"{logical_id}.jsonl").open("w", encoding="utf-8") as fh:
            # A Scan is fine here: local tooling, never the request path.
            for page in ddb.get_paginator("scan").paginate(TableName=name):
                for item in page["Items"]:
                    fh.write(json.dumps(item, separators=(",", ":"), default=_base64) + "\n")
                    n += 1
        counts.append(f"{logical_id}: {n} items")

    for logical_id in tpl.resources(BUCKET):
        name = tpl.physical_name(logical_id)
        root = tmp / "s3" / logical_id
        root.mkdir(parents=True)
        n = 0
        with (tmp / "s3" / f"{logical_id}.index.jsonl").open("w", encoding="utf-8") as index:
            for page in s3.get_paginator("list_objects_v2").paginate(Bucket=name):
                for obj in page.get("Contents", []):
                    path = _safe_key_path(root, obj["Key"])
                    if path is None:
                        log.warning("not persisting object with unsafe key %r", obj["Key"])
                        continue
                    got = s3.get_object(Bucket=name, Key=obj["Key"])
                    path.parent.mkdir(parents=True, exist_ok=True)
                    path.write_bytes(got["Body"].read())
                    index.write(
                        json.dumps(
                            {
                                "key": obj["Key"],
                                "contentType": got.get("ContentType"),
                                "metadata": got.get("Metadata") or {},
                            }
                        )
                        + "\n"
                    )
                    n += 1
        counts.append(f"{logical_id}: {n} objects")

    _fsync_tree(tmp)
    old = state_dir / "data.old"
    shutil.rmtree(old, ignore_errors=True)
    if data.exists():
        data.rename(old)
    tmp.rename(data)
    _fsync(state_dir)
    shutil.rmtree(old, ignore_errors=True)
    log.info("state saved to %s (%s)", data, ", ".join(counts) or "nothing")


def _base64(value: Any) -> str:
    """A binary attribute's bytes, as DynamoDB JSON writes them."""
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(value).decode()
    raise TypeError(f"{type(value).__name__} is not JSON")


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_tree(root: Path) -> None:
    """Every file, then every folder, of a snapshot on disk: a power cut must not leave it half there."""
    folders = []
    for walked, _, files in os.walk(root):
        folders.append(Path(walked))
        for name in files:
            _fsync(Path(walked) / name)
    for folder in reversed(folders):
        _fsync(folder)


def _snapshot(state_dir: Path) -> Path | None:
    """data/, or data.old/ if a dump was cut between its two renames (the journal since then is kept)."""
    for name in ("data", "data.old"):
        if (state_dir / name).is_dir():
            return state_dir / name
    return None


def load(tpl: Template, moto: Moto, state_dir: Path) -> None:
    data = _snapshot(state_dir)
    if data is None:
        return
    ddb, s3 = moto.client("dynamodb"), moto.client("s3")
    counts: list[str] = []
    for logical_id in tpl.resources(TABLE):
        source = data / f"{logical_id}.jsonl"
        if not source.exists():
            continue
        name = tpl.physical_name(logical_id)
        lines = source.read_text(encoding="utf-8").splitlines()
        items = [binary_as_bytes(json.loads(line)) for line in lines if line]
        for start in range(0, len(items), 25):
            _batch_write(ddb, name, items[start : start + 25])
        counts.append(f"{logical_id}: {len(items)} items")

    for logical_id in tpl.resources(BUCKET):
        index = data / "s3" / f"{logical_id}.index.jsonl"
        if not index.exists():
            continue
        name = tpl.physical_name(logical_id)
        n = 0
        for line in index.read_text(encoding="utf-8").splitlines():
            entry = json.loads(line)
            path = _safe_key_path(data / "s3" / logical_id, entry["key"])
            if path is None or not path.exists():
                continue
            extra: dict[str, Any] = {"Metadata": entry.get("metadata") or {}}
            if entry.get("contentType"):
                extra["ContentType"] = entry["contentType"]
            s3.put_object(Bucket=name, Key=entry["key"], Body=path.read_bytes(), **extra)
            n += 1
        counts.append(f"{logical_id}: {n} objects")
    if counts:
        log.info("state restored from %s (%s)", data, ", ".join(counts))


def _batch_write(ddb: Any, table: str, items: list[dict[str, Any]]) -> None:
    requests: list[dict[str, Any]] = [{"PutRequest": {"Item": item}} for item in items]
    for _ in range(10):
        resp = ddb.batch_write_item(RequestItems={table: requests})
        requests = resp.get("UnprocessedItems", {}).get(table, [])
        if not requests:
            return
    raise RuntimeError(f"could not reload {len(requests)} items into {table}")

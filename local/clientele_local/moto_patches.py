"""Every change clientele_local makes to moto, in one place, for the one moto version it was written for.

The local store replaces a few of moto's methods: one lock around DynamoDB's reads and writes and
transactions without whole-table copies (atomic.py), Queries that read one partition
(partitions.py), every write on disk before its answer (journal.py), and for the local stack and the
bench, DynamoDB answers written without moto's serializer (the integration tests keep moto's own).
Each replacement leans on moto's internals (method signatures, what calls what, attribute names),
which any release may change without a word. So `apply` refuses
another moto than MOTO_VERSION, naming what to re-check, before anything is patched or started; and
tests/integration/test_moto_patches.py holds every patched path's answers beside moto's own.

To move to a new moto: pin it in requirements-dev.txt, re-read each target below in its source,
run that test and tests/integration/test_local_store.py, test_partitions.py and test_journal.py,
then set MOTO_VERSION.
"""

from __future__ import annotations

import base64
import contextlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

import moto
from moto.dynamodb.comparisons import ConditionExpressionParser
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.dynamo_type import Item
from moto.dynamodb.models.table import Table
from moto.dynamodb.responses import DynamoResult
from moto.moto_server.werkzeug_app import DomainDispatcherApplication
from moto.s3.models import S3Backend

from clientele_local import atomic, journal, partitions

MOTO_VERSION = "5.2.5"  # the pin in requirements-dev.txt these patches were written and tested against


class ClienteleLocalError(Exception):
    """The local stack cannot run as asked (raised before it starts)."""


@dataclass(frozen=True)
class Patch:
    owner: type
    name: str
    make: Callable[[Any], Any]  # moto's own attribute -> its replacement
    why: str  # the module whose logic it installs, for the message that asks to re-check it

    @property
    def target(self) -> str:
        return f"{self.owner.__module__}.{self.owner.__qualname__}.{self.name}"


def _untracked(_: Any) -> Any:
    Item.instances_tracked = []  # type: ignore[attr-defined]  # what moto kept before the patch
    return staticmethod(atomic.untracked)


def _writes(*wrappers: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """The wrappers applied innermost first."""

    def make(method: Any) -> Any:
        for wrap in wrappers:
            method = wrap(method)
        return method

    return make


_LOCKED_ONLY = tuple(
    name for name in (*atomic.WRITES, *atomic.READS) if name not in ("update_item", "transact_write_items")
)

# The local store: `make run`, the local and integration tests, the bench.
STORE: tuple[Patch, ...] = (
    Patch(Item, "__new__", _untracked, "atomic.py: items that moto's instance list does not keep alive"),
    Patch(ConditionExpressionParser, "parse", atomic.parsed_once, "atomic.py: each condition parsed once"),
    Patch(Table, "query", partitions.partitioned, "partitions.py: a Query reads its partition only"),
    Patch(Table, "put_item", _writes(atomic.watched_put, journal.noted_put), "atomic.py, journal.py: every put"),
    Patch(Table, "delete_item", _writes(atomic.watched_delete, journal.noted_delete), "atomic.py, journal.py"),
    Patch(
        DynamoDBBackend,
        "update_item",
        _writes(atomic.watched_update, journal.noted_update, atomic.locked),
        "atomic.py, journal.py: updates change the item in place",
    ),
    Patch(
        DynamoDBBackend,
        "transact_write_items",
        _writes(atomic.journal_instead_of_snapshots, journal.committed_only, atomic.locked),
        "atomic.py: rollback without table copies (it swaps moto.dynamodb.models.copy meanwhile); journal.py",
    ),
    *(Patch(DynamoDBBackend, name, atomic.locked, "atomic.py: one lock") for name in _LOCKED_ONLY),
    Patch(S3Backend, "put_object", journal.noted_put_object, "journal.py: Put/Copy/CompleteMultipartUpload"),
    Patch(S3Backend, "delete_object", journal.noted_delete_object, "journal.py: DeleteObject(s)"),
    Patch(
        DomainDispatcherApplication,
        "__call__",
        journal.around_requests,
        "journal.py: the server answers after the fsync",
    ),
)


def _fast_execute_result(original: Any) -> Any:
    """moto 5 builds each DynamoDB response through its generic, shape-driven serializer, at about
    9 ms per item read: it would be most of every bench figure, for the service and its raw floor
    alike, and it was a quarter of the local stack's CPU in a bulk import. Results are already
    DynamoDB JSON (DynamoResult), so they are written out directly; errors still go through moto's."""

    def execute_result(self: DynamoResult, context: Any) -> Any:
        if isinstance(self.result, Exception):
            return original(self, context)
        body = json.dumps(self.result, default=_json_default)
        return 200, {"Content-Type": "application/x-amz-json-1.0"}, body

    return execute_result


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.timestamp()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    raise TypeError(f"{type(value).__name__} is not JSON")


# The local stack (stack.py) and the bench (bench/store.py), on top of STORE.
FAST_ANSWERS: tuple[Patch, ...] = (
    Patch(DynamoResult, "execute_result", _fast_execute_result, "DynamoDB answers without moto's serializer"),
)

# Not replacements, but internals the local store reads or calls directly.
INTERNALS = (
    "moto.dynamodb.models.table.StreamShard.items/id, StreamRecord.to_json (StreamReader: the pollers' reads)",
    "moto.dynamodb.models.dynamodb_backends, moto.s3.models.s3_backends, FakeKey.metadata/set_metadata, "
    "Item.attrs, DynamoType (journal.py: after-images read from, and replayed into, the backends)",
)

_MISSING = object()
_ORIGINALS: dict[tuple[type, str], Any] = {}  # what each applied patch replaced, in order applied


def check_version(version: str | None = None) -> None:
    version = version or moto.__version__
    if version == MOTO_VERSION:
        return
    targets = "\n".join(f"  - {patch.target}  ({patch.why})" for patch in (*STORE, *FAST_ANSWERS))
    internals = "\n".join(f"  - {name}" for name in INTERNALS)
    raise ClienteleLocalError(
        f"moto {version} is installed, but the local store's patches of moto were written for moto "
        f"{MOTO_VERSION} (requirements-dev.txt). Re-check each of these against moto {version}'s source, "
        f"then set MOTO_VERSION in local/clientele_local/moto_patches.py and run "
        f"tests/integration/test_moto_patches.py:\n{targets}\n{internals}"
    )


def apply(*groups: tuple[Patch, ...]) -> None:
    """Installs the patches of `groups` (default: STORE) not installed yet; refuses another moto."""
    check_version()
    installed = False
    for patch in (patch for group in (groups or (STORE,)) for patch in group):
        key = (patch.owner, patch.name)
        if key in _ORIGINALS:
            continue
        _ORIGINALS[key] = patch.owner.__dict__.get(patch.name, _MISSING)
        setattr(patch.owner, patch.name, patch.make(getattr(patch.owner, patch.name)))
        installed = True
    if installed:
        partitions.forget_all()  # groupings kept while moto's own writes ran may be stale


def restore(*groups: tuple[Patch, ...]) -> None:
    """Puts moto's own attributes back for `groups` (default: every applied patch)."""
    keys = {(p.owner, p.name) for group in groups for p in group} if groups else set(_ORIGINALS)
    for key in reversed(list(_ORIGINALS)):
        if key not in keys:
            continue
        owner, name = key
        original = _ORIGINALS.pop(key)
        if original is _MISSING:
            delattr(owner, name)
        else:
            setattr(owner, name, original)


def applied() -> list[Patch]:
    return [patch for patch in (*STORE, *FAST_ANSWERS) if (patch.owner, patch.name) in _ORIGINALS]


@contextlib.contextmanager
def unpatched() -> Iterator[None]:
    """moto exactly as released, for the block (tests compare the patched answers with these)."""
    were = applied()
    restore()
    try:
        yield
    finally:
        for patch in were:
            apply((patch,))


class StreamReader:
    """A table's stream read in this process, from where it ends when the reader is made: the local
    stack's pollers share the process with moto, and GetRecords over HTTP spent about half of the
    stack's CPU in moto's response serializer, once per poller and record. Reads take the store's
    lock, so they never see a write of a transaction that may still roll back. (moto gives a table one
    shard, numbered from its starting sequence number.)"""

    def __init__(self, account_id: str, region: str, stream_arn: str, limit: int = 1000) -> None:
        from moto.dynamodb.models import dynamodb_backends

        self._backend = dynamodb_backends[account_id][region]
        self._table = stream_arn.split(":", 5)[5].split("/")[1]  # arn:…:table/<name>/stream/<label>
        self._limit = limit
        with atomic.LOCK:
            shard = self._shard()
            self.shard_id: str = shard.id
            self._next: int = len(shard.items)  # the position of the next record in the shard's list

    def _shard(self) -> Any:
        return self._backend.get_table(self._table).stream_shard

    def read(self) -> list[dict[str, Any]]:
        """The records written since the last read (at most `limit`), as DynamoDB JSON."""
        with atomic.LOCK:
            records = [record.to_json() for record in self._shard().items[self._next : self._next + self._limit]]
        self._next += len(records)
        return records

"""Thin, typed helpers over the DynamoDB client: (de)serialization and error translation."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError

from clientele.core import aws, settings
from clientele.core.errors import ClienteleError, Conflict, StoreBusy

if TYPE_CHECKING:  # the authorizer uses the store without any model: pydantic stays out of its cold start
    from pydantic import BaseModel

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()

Item = dict[str, Any]

MAX_TRANSACTION_ITEMS = 100  # DynamoDB's limit for one TransactWriteItems
MAX_BATCH_GET_KEYS = 100  # and for one BatchGetItem
MAX_BATCH_WRITES = 25  # and for one BatchWriteItem


def serialize(item: Mapping[str, Any]) -> dict[str, Any]:
    return {name: _attribute(value) for name, value in item.items() if value is not None}


def deserialize(item: Mapping[str, Any]) -> Item:
    return {name: _value(attribute) for name, attribute in item.items()}


# boto3's TypeSerializer and TypeDeserializer test every type in turn for every value: building its
# items was a sixth of a bulk import's own time, most of it there. Strings, maps, lists and booleans
# (most of an item) take a direct path here; anything else gets boto3's own rules.


def _attribute(value: Any) -> Any:
    kind = type(value)
    if kind is str:
        return {"S": value}
    if kind is dict:
        return {"M": {name: _attribute(inner) for name, inner in value.items()}}
    if kind is list:
        return {"L": [_attribute(inner) for inner in value]}
    if kind is bool:
        return {"BOOL": value}
    return _serializer.serialize(value)


def _value(attribute: Any) -> Any:
    ((kind, value),) = attribute.items()
    if kind == "S":
        return value
    if kind == "M":
        return {name: _value(inner) for name, inner in value.items()}
    if kind == "L":
        return [_value(inner) for inner in value]
    if kind == "BOOL":
        return value
    return _deserializer.deserialize(attribute)


def with_nulls[Model: BaseModel](model: type[Model], fields: dict[str, Any]) -> Model:
    """The model from stored fields. serialize() drops None values to keep items small, so a required
    field that is absent was null; a field added after the item was written takes its default."""
    for name, info in model.model_fields.items():
        if info.is_required():
            fields.setdefault(info.alias or name, None)
    return model.model_validate(fields)


class TransactionCancelled(Exception):
    """A transaction failed its conditions; `failed` holds the indexes of the failing operations."""

    def __init__(self, failed: list[int]) -> None:
        self.failed = failed
        super().__init__(f"transaction cancelled by operations {failed}")


def get_item(key: Mapping[str, str], *, consistent: bool = False) -> Item | None:
    response = aws.dynamodb().get_item(TableName=settings.table_name(), Key=serialize(key), ConsistentRead=consistent)
    return deserialize(response["Item"]) if "Item" in response else None


def batch_get(keys: list[dict[str, str]], *, consistent: bool = False) -> list[Item]:
    """Every item that exists among `keys`, in any order (100 keys a request, unprocessed ones retried)."""
    table = settings.table_name()
    found: list[Item] = []
    for start in range(0, len(keys), MAX_BATCH_GET_KEYS):
        request = {
            table: {
                "Keys": [serialize(key) for key in keys[start : start + MAX_BATCH_GET_KEYS]],
                "ConsistentRead": consistent,
            }
        }
        for attempt in range(8):
            response = aws.dynamodb().batch_get_item(RequestItems=request)
            found.extend(deserialize(item) for item in response["Responses"].get(table, []))
            request = response.get("UnprocessedKeys") or {}
            if not request:
                break
            time.sleep(min(0.05 * 2**attempt, 1.0))
        else:
            raise StoreBusy()
    return found


def get_named(keys: Mapping[str, Mapping[str, str]], *, consistent: bool = True) -> dict[str, Item]:
    """{name: item} of those named keys whose items exist: one BatchGetItem for all of them."""
    found = {
        (item["pk"], item["sk"]): item
        for item in batch_get([dict(key) for key in keys.values()], consistent=consistent)
    }
    return {name: found[(key["pk"], key["sk"])] for name, key in keys.items() if (key["pk"], key["sk"]) in found}


def batch_write(*, puts: list[Item], deletes: list[dict[str, str]]) -> None:
    """Unconditional puts and deletes, 25 a request, unprocessed ones retried with backoff."""
    table = settings.table_name()
    requests = [{"PutRequest": {"Item": serialize(item)}} for item in puts]
    requests += [{"DeleteRequest": {"Key": serialize(key)}} for key in deletes]
    for start in range(0, len(requests), MAX_BATCH_WRITES):
        pending = {table: requests[start : start + MAX_BATCH_WRITES]}
        for attempt in range(8):
            pending = aws.dynamodb().batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}
            if not pending:
                break
            time.sleep(min(0.05 * 2**attempt, 1.0))
        else:
            raise StoreBusy()


def query(
    *,
    key_condition: str,
    values: Mapping[str, Any],
    index: str | None = None,
    limit: int | None = None,
    forward: bool = True,
    consistent: bool = False,
) -> list[Item]:
    params: dict[str, Any] = {
        "TableName": settings.table_name(),
        "KeyConditionExpression": key_condition,
        "ExpressionAttributeValues": serialize(values),
        "ScanIndexForward": forward,
        "ConsistentRead": consistent,
    }
    if index:
        params["IndexName"] = index
    if limit:
        params["Limit"] = limit
    items: list[Item] = []
    while True:
        response = aws.dynamodb().query(**params)
        items.extend(deserialize(item) for item in response.get("Items", []))
        if "LastEvaluatedKey" not in response or (limit and len(items) >= limit):
            return items
        params["ExclusiveStartKey"] = response["LastEvaluatedKey"]


def count(*, key_condition: str, values: Mapping[str, Any], index: str | None = None) -> int:
    """How many items a Query would return (Select COUNT: the same read, none of the items sent)."""
    params: dict[str, Any] = {
        "TableName": settings.table_name(),
        "KeyConditionExpression": key_condition,
        "ExpressionAttributeValues": serialize(values),
        "Select": "COUNT",
    }
    if index:
        params["IndexName"] = index
    total = 0
    while True:
        response = aws.dynamodb().query(**params)
        total += int(response.get("Count", 0))
        if "LastEvaluatedKey" not in response:
            return total
        params["ExclusiveStartKey"] = response["LastEvaluatedKey"]


def _guarded(operation: dict[str, Any], condition: str | None, values: Mapping[str, Any] | None) -> dict[str, Any]:
    if condition:
        operation["ConditionExpression"] = condition
    if values:
        operation["ExpressionAttributeValues"] = serialize(values)
    return operation


def put(
    item: Mapping[str, Any], *, condition: str | None = None, values: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """A Put for a transaction; `condition` guards it (e.g. `attribute_not_exists(pk)`)."""
    return {"Put": _guarded({"TableName": settings.table_name(), "Item": serialize(item)}, condition, values)}


def update(
    key: Mapping[str, str],
    *,
    expression: str,
    values: Mapping[str, Any],
    condition: str | None = None,
    names: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "TableName": settings.table_name(),
        "Key": serialize(key),
        "UpdateExpression": expression,
    }
    if names:
        operation["ExpressionAttributeNames"] = dict(names)
    return {"Update": _guarded(operation, condition, values)}


def set_fields(
    key: Mapping[str, str],
    fields: Mapping[str, Any],
    *,
    condition: str | None = None,
    values: Mapping[str, Any] | None = None,
    names: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """An Update that sets `fields` (a None removes the attribute) on `condition`, which may name
    them as `#<field>` and use `values` and `names` of its own."""
    present = {name: value for name, value in fields.items() if value is not None}
    cleared = [name for name, value in fields.items() if value is None]
    expression = "SET " + ", ".join(f"#{name} = :{name}" for name in present)
    if cleared:
        expression += " REMOVE " + ", ".join(f"#{name}" for name in cleared)
    return update(
        key,
        expression=expression,
        values={**(values or {}), **{f":{name}": value for name, value in present.items()}},
        names={**(names or {}), **{f"#{name}": name for name in fields}},
        condition=condition,
    )


def condition_check(key: Mapping[str, str], condition: str, values: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """A ConditionCheck for a transaction: it writes nothing and fails the whole if `condition` is false."""
    return {"ConditionCheck": _guarded({"TableName": settings.table_name(), "Key": serialize(key)}, condition, values)}


def delete(
    key: Mapping[str, str], *, condition: str | None = None, values: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    return {"Delete": _guarded({"TableName": settings.table_name(), "Key": serialize(key)}, condition, values)}


_SINGLE_CALLS = {"Put": "put_item", "Update": "update_item", "Delete": "delete_item"}
_THROTTLED = frozenset(
    {"ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded", "ThrottlingError"}
)


def _translated(error: ClientError) -> Exception:
    """What a failed write means to the service: a failed condition (with the operations whose
    condition failed), a clash with a concurrent transaction, a busy store, or a fault."""
    code = error.response["Error"]["Code"]
    reasons = [reason.get("Code", "None") for reason in error.response.get("CancellationReasons", [])]
    if code == "ConditionalCheckFailedException":
        return TransactionCancelled([0])
    if code == "TransactionConflictException" or "TransactionConflict" in reasons:
        return Conflict()
    failed = [index for index, reason in enumerate(reasons) if reason == "ConditionalCheckFailed"]
    if failed:
        return TransactionCancelled(failed)
    if code in _THROTTLED or _THROTTLED & set(reasons):
        return StoreBusy()
    return ClienteleError()


def updated(operation: dict[str, Any]) -> Item | None:
    """Runs one Update (from `update` or `set_fields`) and returns the attributes it wrote, as they
    are now (an ADD's new total, say); None when its condition failed."""
    try:
        response = aws.dynamodb().update_item(**operation["Update"], ReturnValues="UPDATED_NEW")
    except ClientError as error:
        translated = _translated(error)
        if isinstance(translated, TransactionCancelled):
            return None
        raise translated from error
    return deserialize(response.get("Attributes", {}))


def put_new(item: Mapping[str, Any]) -> bool:
    """Puts the item if no item holds its key yet; False (nothing written) if one does."""
    try:
        transact([put(item, condition="attribute_not_exists(pk)")])
    except TransactionCancelled:
        return False
    return True


def transact(operations: list[dict[str, Any]]) -> None:
    """All operations or none. Failed conditions raise TransactionCancelled with their indexes;
    a clash with a concurrent transaction on the same items is a Conflict (retryable).

    A single operation runs as a plain conditional write: as atomic, at half a transaction's cost.
    """
    try:
        if len(operations) == 1:
            ((kind, request),) = operations[0].items()
            getattr(aws.dynamodb(), _SINGLE_CALLS[kind])(**request)
        else:
            aws.dynamodb().transact_write_items(TransactItems=operations)
    except ClientError as error:
        raise _translated(error) from error

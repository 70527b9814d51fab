"""How DynamoDB's write errors become the service's: one translation for single and batched writes."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from clientele.core.errors import ClienteleError, Conflict, StoreBusy
from clientele.core.store.dynamo import TransactionCancelled, _translated


def client_error(code: str, reasons: list[str] | None = None) -> ClientError:
    response = {"Error": {"Code": code, "Message": code}}
    if reasons is not None:
        response["CancellationReasons"] = [{"Code": reason} for reason in reasons]
    return ClientError(response, "TransactWriteItems")  # type: ignore[arg-type]


def test_failed_conditions_name_their_operations() -> None:
    cancelled = _translated(client_error("TransactionCanceledException", ["None", "ConditionalCheckFailed", "None"]))
    assert isinstance(cancelled, TransactionCancelled)
    assert cancelled.failed == [1]
    single = _translated(client_error("ConditionalCheckFailedException"))
    assert isinstance(single, TransactionCancelled)
    assert single.failed == [0]


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (client_error("TransactionConflictException"), Conflict),
        (client_error("TransactionCanceledException", ["None", "TransactionConflict"]), Conflict),
        (client_error("ProvisionedThroughputExceededException"), StoreBusy),
        (client_error("ThrottlingException"), StoreBusy),
        (client_error("TransactionCanceledException", ["ThrottlingError", "None"]), StoreBusy),
        (client_error("ValidationException"), ClienteleError),
    ],
)
def test_clashes_throttling_and_faults(error: ClientError, expected: type) -> None:
    translated = _translated(error)
    assert type(translated) is expected

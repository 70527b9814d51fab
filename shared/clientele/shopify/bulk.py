"""Bulk operations: the customers query run as `bulkOperationRunQuery`, polled until COMPLETED, and
its JSONL read back a chunk at a time from a byte offset, as a stream.

In a bulk operation's JSONL a nested connection's objects are lines of their own after their
parent, each with `__parentId` (Shopify guarantees after, not directly after). A chunk is `limit`
customers: it reads on until the line that would start customer `limit + 1`, whose byte offset is
where the next chunk starts, so no customer is split between chunks. A child is attached to its
parent in the chunk by `__parentId`, in the shape the paginated query answers
(`addressesV2 {nodes […]}`); a child whose parent is in an earlier chunk is counted as an orphan.
Memory holds one chunk, never the file.
"""

from __future__ import annotations

import json
from contextlib import closing
from typing import Any, NamedTuple

from clientele.shopify.client import Client, ShopifyFailed

CUSTOMER_FIELDS = """
      id
      firstName
      lastName
      defaultEmailAddress { emailAddress }
      defaultPhoneNumber { phoneNumber }
      defaultAddress { address1 address2 city provinceCode countryCodeV2 zip }
      tags
      state
      updatedAt"""
ADDRESS_FIELDS = "id address1 address2 city provinceCode countryCodeV2 zip"

# The query a bulk operation runs: no first/after (the operation pages itself), children by a nested
# connection.
BULK_QUERY = (
    "{ customers { edges { node {"
    + CUSTOMER_FIELDS
    + f"\n      addressesV2 {{ edges {{ node {{ {ADDRESS_FIELDS} }} }} }}"
    + "\n    } } } }"
)
RUN = """mutation ShopifyBulkCustomers($query: String!) {
  bulkOperationRunQuery(query: $query) {
    bulkOperation { id status }
    userErrors { field message }
  }
}"""
POLL = """query ShopifyBulkOperation($id: ID!) {
  node(id: $id) {
    ... on BulkOperation { id status errorCode objectCount rootObjectCount url }
  }
}"""

DONE = "COMPLETED"
FAILED = frozenset({"FAILED", "CANCELED", "CANCELING", "EXPIRED"})


class Operation(NamedTuple):
    id: str
    status: str
    url: str | None
    error_code: str | None
    objects: int


def start(client: Client) -> str:
    """Starts the bulk query; its operation's id. A bulk query already running for this app and shop
    (Shopify runs one at a time) is a ShopifyFailed naming it."""
    data = client.query(RUN, {"query": BULK_QUERY}, operation="ShopifyBulkCustomers", cost=10)
    answer = data.get("bulkOperationRunQuery") or {}
    errors = answer.get("userErrors") or []
    if errors or not answer.get("bulkOperation"):
        message = "; ".join(str(error.get("message")) for error in errors) or "no bulk operation was started"
        raise ShopifyFailed(f"Shopify refused the bulk query: {message}", status=200, code="USER_ERROR")
    return str(answer["bulkOperation"]["id"])


def poll(client: Client, operation_id: str) -> Operation:
    node = client.query(POLL, {"id": operation_id}, operation="ShopifyBulkOperation", cost=1).get("node") or {}
    if not node:
        raise ShopifyFailed(f"Shopify does not know bulk operation {operation_id}", status=200, code="NOT_FOUND")
    return Operation(
        id=str(node["id"]),
        status=str(node["status"]),
        url=node.get("url"),
        error_code=node.get("errorCode"),
        objects=int(node.get("objectCount") or 0),
    )


class Chunk(NamedTuple):
    customers: list[dict[str, Any]]  # GraphQL Customer nodes with their children attached
    offset: int  # the byte the next chunk starts at
    lines: int  # lines this chunk read
    finished: bool  # the file ends with this chunk
    orphans: int  # children whose parent was not in this chunk
    starts: list[tuple[int, int]]  # each customer's first byte and the lines before it in the chunk


def read(client: Client, url: str, offset: int, limit: int) -> Chunk:
    """Customers from byte `offset` of the JSONL, at most `limit` of them with their children."""
    customers: dict[str, dict[str, Any]] = {}
    starts: list[tuple[int, int]] = []
    lines = orphans = 0
    end = offset
    with closing(client.lines(url, offset)) as stream:
        for raw, after in stream:
            record = json.loads(raw)
            parent = record.pop("__parentId", None)
            if parent is None:
                if len(customers) == limit:  # this line starts the next chunk
                    return Chunk(list(customers.values()), end, lines, False, orphans, starts)
                customers[str(record["id"])] = record
                starts.append((end, lines))
            elif parent in customers:
                children = customers[parent].setdefault("addressesV2", {"nodes": []})["nodes"]
                children.append(record)
            else:
                orphans += 1
            lines += 1
            end = after
    return Chunk(list(customers.values()), end, lines, True, orphans, starts)

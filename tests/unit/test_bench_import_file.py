"""The bench's import file holds what its figures claim: duplicates and invalid rows, apart."""

from __future__ import annotations

import csv
import io

from bench.bulk import _import_file


def test_every_50th_row_is_a_duplicate_and_every_100th_has_a_bad_email() -> None:
    rows = list(csv.DictReader(io.StringIO(_import_file(1000).decode())))
    emails = [row["email"] for row in rows]
    duplicates = [number for number, email in enumerate(emails) if email in emails[:number]]
    bad = [number for number, email in enumerate(emails) if "@" not in email]
    assert duplicates == list(range(49, 1000, 50))
    assert bad == list(range(74, 1000, 100))

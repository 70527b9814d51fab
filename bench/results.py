"""bench/results.json: the figures of the last `make bench`, a section per bench (run.py writes the
file first, each bench after it adds its own section)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results.json"


def record(section: str, figures: Any) -> None:
    """Puts one bench's figures in results.json, beside the other sections."""
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    results[section] = figures
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")

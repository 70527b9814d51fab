"""Process configuration, read from the environment template.yaml gives each function."""

from __future__ import annotations

import os
from functools import cache


class MissingSetting(RuntimeError):
    pass


@cache
def table_name() -> str:
    name = os.environ.get("TABLE_NAME")
    if not name:
        raise MissingSetting("TABLE_NAME is not set: the function needs the single table's name")
    return name

"""A sub-ledger's id, on its own so that a module naming one (the points export's request) need not
build loyalty's models."""

from typing import Annotated

from pydantic import StringConstraints

LedgerId = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z0-9_.-]{1,64}$")]

"""The sandbox demo key printed by the banner: a new one at every start."""

from __future__ import annotations

import contextlib
import logging
import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from clientele_local.stack import LocalStack

log = logging.getLogger("clientele_local")


def _point_env_at(stack: LocalStack) -> None:
    """clientele's lazy boto3 factory reads the process env, as a function would."""
    glob = ((stack.tpl.raw.get("Globals") or {}).get("Function") or {}).get("Environment") or {}
    for name, value in (stack.tpl.resolve(glob.get("Variables") or {})).items():
        os.environ[name] = str(value)
    os.environ.update(stack.function_aws_env())


def ensure_demo_key(stack: LocalStack, org: str = "demo", environment: str = "sandbox") -> str | None:
    """Mint a fresh demo key and revoke the one of the previous start.

    Keys are stored only as hashes and shown once, so the secret cannot be read back on the next
    start; only the demo key's id is kept (in <state>/demo_key_id), to revoke it.
    """
    _point_env_at(stack)
    try:
        from clientele.access import keys  # the project's own key logic
        from clientele.core.errors import ApiKeyNotFound
    except ImportError as exc:
        log.warning("no demo key: clientele.access.keys is not importable (%s)", exc)
        return None
    id_file = stack.state_dir / "demo_key_id"
    if id_file.exists():
        with contextlib.suppress(ApiKeyNotFound):  # already revoked, or the data was wiped
            keys.revoke_key(id_file.read_text(encoding="utf-8").strip())
    try:
        created = keys.create_key(org, environment, read_only=False)
    except Exception:
        log.exception("could not mint the demo key")
        return None
    id_file.write_text(created.key_id + "\n", encoding="utf-8")
    return created.secret

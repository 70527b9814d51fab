"""The sandbox demo key printed by the banner, reused across restarts while it still works."""

from __future__ import annotations

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
    """Return the saved demo key if it still authenticates, otherwise mint and save a new one."""
    _point_env_at(stack)
    try:
        from clientele import keys  # the project's own key logic
    except ImportError as exc:
        log.warning("no demo key: clientele.keys is not importable (%s)", exc)
        return None
    path = stack.state_dir / "demo_key"
    if path.exists():
        secret = path.read_text(encoding="utf-8").strip()
        try:
            keys.authenticate(secret)
            return secret
        except Exception as exc:  # revoked, or the data was wiped
            log.info("saved demo key no longer authenticates (%s); minting a new one", type(exc).__name__)
    try:
        created = keys.create_key(org, environment, read_only=False)  # (organization, environment)
    except Exception:
        log.exception("could not mint the demo key")
        return None
    secret = str(created.secret)
    path.unlink(missing_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(secret + "\n")
    return secret

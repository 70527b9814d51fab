"""Settings every test tier shares: no real AWS account, no tracing."""

import os
import subprocess
import sys
from pathlib import Path

from clientele_local.inprocess import OFFLINE_ENV

ROOT = Path(__file__).resolve().parents[1]

os.environ.update(OFFLINE_ENV)
os.environ.pop("AWS_ENDPOINT_URL", None)

CLI = Path(sys.executable).parent / "clientele"


# The e2e and fuzz tiers send requests as fast as the machine allows, which a fast machine may push
# past the template's per-organization and per-method limits: here they are out of reach, and
# test_limits.py starts a stack of its own with small ones.
UNREACHED_LIMITS = [
    f"-P{name}=1000000"
    for name in ("ApiThrottleRate", "ApiThrottleBurst", "OrganizationThrottleRate", "OrganizationThrottleBurst")
]


def run_cli(state_dir: Path, *args: str, port: int | None = None) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("AWS_")}
    env["CLIENTELE_STATE_DIR"] = str(state_dir)
    env.pop("PORT", None)
    if port is not None:
        env["PORT"] = str(port)
    return subprocess.run([str(CLI), *args], capture_output=True, text=True, env=env, cwd=ROOT, timeout=60, check=False)

"""Settings every test tier shares: no real AWS account, no tracing."""

import os
from pathlib import Path

from clientele_local.inprocess import OFFLINE_ENV

ROOT = Path(__file__).resolve().parents[1]

os.environ.update(OFFLINE_ENV)
os.environ.pop("AWS_ENDPOINT_URL", None)

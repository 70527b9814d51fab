"""The one settings object: every variable typed, read once, a missing one named, reset for tests."""

from __future__ import annotations

import pytest

from clientele.core import settings
from clientele.core.settings import MissingSetting, Settings
from tests.conftest import ROOT


def test_the_environment_becomes_typed_settings_with_defaults() -> None:
    read = Settings.from_environment({"TABLE_NAME": "t", "KLAVIYO_BASE_URL": "http://127.0.0.1:9/", "STAGE": ""})
    assert read == Settings(
        table_name="t",
        cursor_secret_arn=None,
        exports_bucket=None,
        stage="dev",
        klaviyo_base_url="http://127.0.0.1:9",
        shopify_base_url="",
        usage_plan_id=None,
        webhook_queue_url=None,
        webhooks_allow_local=False,
    )


def test_a_missing_setting_names_its_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("EXPORTS_BUCKET", raising=False)
    settings.reset()
    with pytest.raises(MissingSetting, match="EXPORTS_BUCKET"):
        settings.exports_bucket()
    settings.reset()


def test_settings_are_read_once_until_reset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TABLE_NAME", "first")
    settings.reset()
    assert settings.table_name() == "first"
    monkeypatch.setenv("TABLE_NAME", "second")
    assert settings.table_name() == "first"  # read once per process, as on Lambda
    settings.reset()
    assert settings.table_name() == "second"
    monkeypatch.undo()
    settings.reset()


def test_every_variable_the_layer_reads_is_a_setting() -> None:
    """No module reads the environment behind the settings object's back."""
    readers = [
        path.relative_to(ROOT)
        for path in (ROOT / "shared" / "clientele").rglob("*.py")
        if ("os.environ" in path.read_text() or "os.getenv" in path.read_text()) and path.name != "settings.py"
    ]
    assert readers == []

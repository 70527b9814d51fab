"""The layer's runtime lock (shared/requirements.txt): complete, pinned, hashed, and in step with the
development pins that share its environment."""

from __future__ import annotations

import re

from tests.conftest import ROOT

LOCK = ROOT / "shared" / "requirements.txt"
SOURCE = ROOT / "shared" / "requirements.in"
DEV = ROOT / "requirements-dev.txt"
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;]+)$")
HASH = re.compile(r"^--hash=sha256:[0-9a-f]{64}$")


def normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def entries(path: str = "shared/requirements.txt") -> list[list[str]]:
    """A requirements file's entries, each as its words: `name==version` then its options
    (continuation lines joined, comments dropped)."""
    text = (ROOT / path).read_text(encoding="utf-8")
    logical = re.sub(r"\\\n", " ", text)
    return [line.split("#", 1)[0].split() for line in logical.splitlines() if line.split("#", 1)[0].strip()]


def pins(path: str) -> dict[str, str]:
    found = {}
    for words in entries(path):
        match = PIN.match(words[0])
        if match:
            found[normalized(match[1])] = match[2]
    return found


def test_every_line_of_the_lock_is_pinned_and_hashed() -> None:
    locked = entries()
    assert len(locked) >= 15  # the transitive packages are there, not only the direct ones
    for words in locked:
        assert PIN.match(words[0]), f"not pinned with ==: {words[0]}"
        hashes = words[1:]
        assert hashes, f"{words[0]} has no hash"
        assert all(HASH.match(option) for option in hashes), words


def test_the_tracer_and_its_sdk_are_not_in_the_layer() -> None:
    locked = pins("shared/requirements.txt")
    assert "aws-xray-sdk" not in locked
    assert "aws-lambda-powertools" in locked
    assert "[" not in SOURCE.read_text(encoding="utf-8")  # no extra such as aws-lambda-powertools[tracer]


def test_the_lock_says_how_to_regenerate_it_and_holds_every_direct_requirement() -> None:
    header = LOCK.read_text(encoding="utf-8").split("\n\n", 1)[0]
    assert "pip-compile" in header
    assert "--generate-hashes" in header
    assert "--output-file=shared/requirements.txt" in header
    assert "shared/requirements.in" in header
    locked = pins("shared/requirements.txt")
    direct = pins("shared/requirements.in")
    assert direct
    assert {name: locked.get(name) for name in direct} == direct


def test_development_pins_agree_with_the_lock() -> None:
    """Both go into one environment (two pip calls): a package in both at two versions would leave
    the tests running another version than the layer."""
    locked, dev = pins("shared/requirements.txt"), pins("requirements-dev.txt")
    assert {name: dev[name] for name in locked.keys() & dev.keys()} == {
        name: locked[name] for name in locked.keys() & dev.keys()
    }


def test_the_venv_installs_the_lock_in_require_hashes_mode_on_its_own() -> None:
    recipe = (ROOT / "Makefile").read_text(encoding="utf-8")
    installs = [line for line in recipe.splitlines() if "pip install" in line and "requirements" in line]
    assert any("--require-hashes -r shared/requirements.txt" in line for line in installs)
    assert not any("shared/requirements.txt" in line and "requirements-dev.txt" in line for line in installs)

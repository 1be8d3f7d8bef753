"""The README documents every setting and the commands a user is told to run."""

from __future__ import annotations

from pathlib import Path

from common.settings import Settings

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")


def test_every_setting_is_documented() -> None:
    missing = [f"BABELSHOP_{name.upper()}" for name in Settings.model_fields
               if f"BABELSHOP_{name.upper()}" not in README]
    assert not missing, f"README lacks: {missing}"


def test_quickstart_shows_the_two_commands() -> None:
    assert "make demo" in README and "make test" in README

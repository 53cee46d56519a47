"""The type of the `run_cli` fixture (tests/conftest.py): `run_cli(*args)` → (exit status, stderr + stdout).

In its own module because `from conftest import …` is ambiguous once a sub-folder has a conftest too."""

from __future__ import annotations

from collections.abc import Callable

CliRunner = Callable[..., tuple[int, str]]

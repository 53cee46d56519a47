"""Usage errors (unknown command or option, missing or bad value): a short usage line and a hint, exit 2.

Typer raises click's exception classes (vendored as `typer._click` in newer Typer releases); they are
found through `typer.BadParameter`'s ancestry so this works with either.
"""

from __future__ import annotations

import difflib
import re
from typing import Any

import typer


def _click_class(name: str) -> type[Exception]:
    found: type[Exception] = next(cls for cls in typer.BadParameter.__mro__ if cls.__name__ == name)
    return found


ClickException = _click_class("ClickException")
UsageError = _click_class("UsageError")

_NO_SUCH_COMMAND = re.compile(r"No such command '(?P<name>.+)'\.?$")


def add_hint(exc: Exception) -> None:
    """Give an unknown command or option a "Did you mean …?" hint, or the list of valid names."""
    ctx: Any = getattr(exc, "ctx", None)
    if ctx is None:
        return
    message = str(getattr(exc, "message", ""))
    if option := getattr(exc, "option_name", None):
        params = [p for p in ctx.command.get_params(ctx) if p.name != "help"]
        names = sorted({n for p in params for n in (*p.opts, *p.secondary_opts) if n.startswith("-")})
        exc.possibilities = None  # type: ignore[attr-defined]  # replaced by the hint below
        exc.message = f"{message}. {_hint(option, names, 'options', ctx.command_path)}"  # type: ignore[attr-defined]
    elif (match := _NO_SUCH_COMMAND.match(message)) and hasattr(ctx.command, "list_commands"):
        names = [
            n
            for n in ctx.command.list_commands(ctx)
            if not getattr(ctx.command.get_command(ctx, n), "hidden", 0)
        ]
        hint = _hint(match["name"], names, "commands", ctx.command_path)
        exc.message = f"{message} {hint}"  # type: ignore[attr-defined]


def _hint(word: str, names: list[str], what: str, command: str) -> str:
    if not names:
        return f"`{command}` takes no {what}."
    close = difflib.get_close_matches(word, names, n=3, cutoff=0.5)
    if close:
        return f"Did you mean {' or '.join(close)}?"
    return f"The {what} of `{command}` are: {', '.join(names)}."

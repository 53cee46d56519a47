"""Every command, present and future: a mistyped command or option, a missing argument or a bad value prints
a usage line with a hint and exits 2, never a traceback.

The commands are found by walking the Typer app, so a command someone adds later is covered without
editing this file.
"""

from __future__ import annotations

import enum
import inspect
import types
import typing
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import typer

from cli_runner import CliRunner
from complaint_radar.cli.main import app

ROOT = typer.main.get_command(app)


def _leaves(command: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    children = getattr(command, "commands", None)
    if children is None:
        yield path, command
        return
    for name, child in sorted(children.items()):
        yield from _leaves(child, (*path, name))


def _groups(command: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    children = getattr(command, "commands", None)
    if children is None:
        return
    yield path
    for name, child in sorted(children.items()):
        yield from _groups(child, (*path, name))


COMMANDS = dict(_leaves(ROOT))
GROUPS = list(_groups(ROOT))


def _bare(annotation: Any) -> Any:
    """`int` for `Annotated[int | None, …]`: the type a value on the command line is converted to."""
    if typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    if args and typing.get_origin(annotation) in (typing.Union, types.UnionType):
        annotation = args[0]
    if typing.get_origin(annotation) is list:
        annotation = typing.get_args(annotation)[0]
    return annotation


def _bad_value(annotation: Any) -> str | None:
    """A value the parameter's type must refuse, or None when every string is acceptable."""
    kind = _bare(annotation)
    if kind in (int, float):
        return "not-a-number"
    if isinstance(kind, type) and issubclass(kind, enum.Enum):
        return "no-such-choice"
    return None


def _hints(callback: Callable[..., Any]) -> dict[str, Any]:
    return dict(typing.get_type_hints(callback, include_extras=True))


def _bad_value_cases() -> Iterator[tuple[tuple[str, ...], list[str], str]]:
    for path, command in COMMANDS.items():
        hints = _hints(command.callback)
        positional: list[str] = []
        for param in command.params:
            bad = _bad_value(hints.get(param.name))
            is_option = any(o.startswith("-") for o in param.opts)
            if bad is not None and is_option:
                yield path, [*positional, param.opts[0], bad], param.name
            elif bad is not None:
                yield path, [*positional, bad], param.name
            if not is_option:
                positional.append("x")


BAD_VALUES = list(_bad_value_cases())


def assert_usage_error(code: int, output: str, *needles: str) -> None:
    assert code == 2, output
    assert "Traceback" not in output
    assert "Usage: complaint-radar" in output and "--help' for help" in output, output
    for needle in needles:
        assert needle in output, output


def test_every_command_is_found() -> None:
    assert {("assess",), ("serve",), ("keys", "create"), ("db", "upgrade")} <= set(COMMANDS)
    assert BAD_VALUES, "no typed parameter found: the walk is broken"


@pytest.mark.parametrize("group", GROUPS, ids=lambda g: " ".join(g) or "complaint-radar")
def test_an_unknown_command_names_the_real_ones(group: tuple[str, ...], run_cli: CliRunner) -> None:
    code, output = run_cli(*group, "nosuch")
    assert_usage_error(code, output, "No such command 'nosuch'", "commands of")


@pytest.mark.parametrize("group", GROUPS, ids=lambda g: " ".join(g) or "complaint-radar")
def test_a_mistyped_command_gets_a_did_you_mean(group: tuple[str, ...], run_cli: CliRunner) -> None:
    child = sorted(_find(group).commands)[0]
    code, output = run_cli(*group, child + "x")
    assert_usage_error(code, output, "Did you mean", child)


def _find(path: tuple[str, ...]) -> Any:
    command = ROOT
    for name in path:
        command = command.commands[name]  # type: ignore[attr-defined]
    return command


@pytest.mark.parametrize("path", COMMANDS, ids=" ".join)
def test_an_unknown_option_is_a_usage_error(path: tuple[str, ...], run_cli: CliRunner) -> None:
    code, output = run_cli(*path, "--bogus-option", "x")
    assert_usage_error(code, output, "No such option: --bogus-option")


@pytest.mark.parametrize("path", COMMANDS, ids=" ".join)
def test_a_mistyped_option_gets_a_did_you_mean(path: tuple[str, ...], run_cli: CliRunner) -> None:
    options = [
        o
        for p in COMMANDS[path].params
        for o in p.opts
        if o.startswith("--") and len(o) > 4 and o != "--help"
    ]
    if not options:
        pytest.skip(f"{' '.join(path)} has no long options")
    code, output = run_cli(*path, options[0][:-1] + "z")
    assert_usage_error(code, output, f"Did you mean {options[0]}")


REQUIRED = [path for path, command in COMMANDS.items() if any(p.required for p in command.params)]


@pytest.mark.parametrize("path", REQUIRED, ids=" ".join)
def test_a_missing_argument_or_option_is_a_usage_error(path: tuple[str, ...], run_cli: CliRunner) -> None:
    code, output = run_cli(*path)
    assert_usage_error(code, output, "Missing")


@pytest.mark.parametrize(
    ("path", "argv", "param"), BAD_VALUES, ids=[f"{' '.join(p)} {n}" for p, _, n in BAD_VALUES]
)
def test_a_bad_value_is_a_usage_error(
    path: tuple[str, ...], argv: list[str], param: str, run_cli: CliRunner
) -> None:
    code, output = run_cli(*path, *argv)
    assert_usage_error(code, output, "Invalid value")


def test_an_empty_text_is_an_input_error_not_a_positive_sentiment(run_cli: CliRunner) -> None:
    for text in ("", "  \n\t"):
        code, output = run_cli("assess", text)
        assert code == 2 and "empty text" in output and "Traceback" not in output


def test_a_directory_or_unreadable_file_is_one_line_naming_it(tmp_path: Path, run_cli: CliRunner) -> None:
    code, output = run_cli("assess-file", str(tmp_path), "-o", str(tmp_path / "o.csv"))
    assert code == 2 and "directory" in output and str(tmp_path) in output, output
    assert "Traceback" not in output and len(output.strip().splitlines()) == 1


def test_signatures_are_introspectable() -> None:
    """The walk reads each command's type hints; a command whose hints cannot be resolved is a bug here."""
    for command in COMMANDS.values():
        assert inspect.signature(command.callback)


def test_every_command_lists_with_a_one_paragraph_summary() -> None:
    """The command listings show each command's first paragraph as flowing text: a docstring's hard line
    breaks would otherwise cut the summary mid-sentence in `complaint-radar --help`."""
    for path, command in _leaves(ROOT):
        summary = command.short_help
        assert summary, path
        assert "\n" not in summary, path
        first = inspect.cleandoc(command.help or "").split("\n\n")[0]
        assert summary == " ".join(first.split()), path

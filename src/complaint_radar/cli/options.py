"""Options several commands share (the same help text and defaults wherever they appear)."""

from __future__ import annotations

from typing import Annotated

import typer

TextColumn = Annotated[str, typer.Option(help="Column holding the message text.")]
IdColumn = Annotated[str | None, typer.Option(help="Column holding the message id (kept in the output).")]
ChannelColumn = Annotated[str | None, typer.Option(help="Optional column holding the channel code.")]

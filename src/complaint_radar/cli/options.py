"""Options several commands share (the same help text and defaults wherever they appear)."""

from __future__ import annotations

from typing import Annotated

import typer

TextColumn = Annotated[str, typer.Option(help="Column holding the message text.")]
IdColumn = Annotated[str | None, typer.Option(help="Column holding the message id (kept in the output).")]
ChannelColumn = Annotated[
    str | None,
    typer.Option(
        help="Column holding the channel code (chat, email, phone_transcript, review, social_post, …); "
        "default: a column named `channel` if the file has one. Without a channel, a message is read as "
        "of unknown origin, like a public post."
    ),
]

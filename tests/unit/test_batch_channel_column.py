"""Where a message came from changes how it is read (an English grumble to the company vs. a public post of
unknown origin), so a file with a `channel` column is read with it even when `--channel-column` is not
given; a named column wins, and a file without one leaves the channel unknown."""

from __future__ import annotations

from complaint_radar.batch.core import message_batch
from complaint_radar.io.chunk import Chunk, make_chunk


def _chunk(columns: dict[str, list[object]]) -> Chunk:
    return make_chunk(columns, list(columns), [2, 3])


def test_a_column_named_channel_is_read_when_none_is_named() -> None:
    chunk = _chunk({"text": ["I waited on hold for an hour", "ok"], "channel": ["chat", ""]})
    assert message_batch(chunk, text_column="text").column("channel").to_pylist() == ["chat", None]


def test_a_named_channel_column_wins_and_a_file_without_one_has_no_channel() -> None:
    chunk = _chunk({"text": ["a", "b"], "channel": ["chat", "chat"], "source": ["email", "review"]})
    named = message_batch(chunk, text_column="text", channel_column="source")
    assert named.column("channel").to_pylist() == ["email", "review"]
    plain = message_batch(_chunk({"text": ["a", "b"]}), text_column="text")
    assert plain.column("channel").to_pylist() == [None, None]

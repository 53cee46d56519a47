"""The one scoring core every engine runs: a batch of messages in, the `assess-file` columns out."""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd
import pyarrow as pa

from complaint_radar.io import Chunk
from complaint_radar.pipeline import OUTPUT_COLUMNS, Analyzer, assessment_row, explanation_json
from complaint_radar.services.rows import text_problem

if TYPE_CHECKING:
    from complaint_radar.models.taxonomy import CustomTaxonomy

#: The message batch the core reads: the input's file line, the text (null when unusable), the id and
#: channel as text, and why the row cannot be assessed (null when it can).
MESSAGE_SCHEMA = pa.schema(
    [
        pa.field("line", pa.int64()),
        pa.field("text", pa.string()),
        pa.field("id", pa.string()),
        pa.field("channel", pa.string()),
        pa.field("problem", pa.string()),
    ]
)

_FLOAT_COLUMNS = ("sentiment_score", "dissatisfaction_probability", "complaint_probability", "anger")
_INT_COLUMNS = ("risk_score", "line")
_BOOL_COLUMNS = ("is_complaint", "valid")


DEFAULT_CHANNEL_COLUMN = "channel"
"""The column read as each message's channel when none is named (`--channel-column`), if the input has it."""


def message_batch(
    chunk: Chunk, *, text_column: str, id_column: str | None = None, channel_column: str | None = None
) -> pa.Table:
    """The messages of one input chunk in MESSAGE_SCHEMA, with each bad row's reason decided here. The
    channel comes from `channel_column`, else from a column named `channel` when the input has one: a
    message of unknown origin is read as a public post would be (English grumbles are then left to the
    tweet-trained complaint model), so a file that says where its messages came from is read by it."""
    frame = chunk.frame
    size = len(frame)

    def column(name: str | None) -> list[Any]:
        return frame[name].tolist() if name and name in frame.columns else [None] * size

    texts, ids = column(text_column), column(id_column)
    channels = column(channel_column or DEFAULT_CHANNEL_COLUMN)
    problems: list[str | None] = []
    for pos, text in enumerate(texts):
        problems.append(chunk.row_errors.get(pos) or text_problem(text))
    return pa.Table.from_pydict(
        {
            "line": list(chunk.lines),
            "text": [None if problem else text for text, problem in zip(texts, problems, strict=True)],
            "id": [None if ident is None else str(ident) for ident in ids],
            "channel": [c if isinstance(c, str) and c else None for c in channels],
            "problem": problems,
        },
        schema=MESSAGE_SCHEMA,
    )


def assess_messages(
    analyzer: Analyzer,
    messages: pa.Table | pd.DataFrame,
    *,
    id_column: str | None = None,
    explain: bool = False,
    taxonomy: CustomTaxonomy | None = None,
) -> pd.DataFrame:
    """One output row per message, in order, with exactly the columns `assess-file` writes:
    [id column], line, the assessment columns, [explanation], [topics, topic_scores], valid, error."""
    table = (
        messages if isinstance(messages, pa.Table) else pa.Table.from_pandas(messages, preserve_index=False)
    )
    lines, texts, ids, channels, problems = (
        table.column(name).to_pylist() for name in ("line", "text", "id", "channel", "problem")
    )
    good = [pos for pos, problem in enumerate(problems) if problem is None]
    items = [{"text": texts[pos], "message_id": ids[pos], "channel": channels[pos]} for pos in good]
    assessed = iter(analyzer.assess_many(items, explain=explain))
    topics = iter(taxonomy.predict([item["text"] for item in items])) if taxonomy else None
    rows: list[dict[str, Any]] = []
    for pos, line in enumerate(lines):
        row: dict[str, Any] = {id_column: ids[pos]} if id_column else {}
        row["line"] = line
        if problems[pos] is not None:
            row.update(dict.fromkeys(OUTPUT_COLUMNS))
            if explain:
                row["explanation"] = None
            if topics is not None:
                row.update(topics=None, topic_scores=None)
            row.update(valid=False, error=problems[pos])
        else:
            assessment = next(assessed)
            row.update(assessment_row(assessment))
            if explain:
                row["explanation"] = explanation_json(assessment)
            if topics is not None:
                found = next(topics)
                row.update(topics=found.topics_text(), topic_scores=found.scores_json())
            row.update(valid=True, error=None)
        rows.append(row)
    return typed_output(pd.DataFrame(rows, columns=output_columns(id_column, explain, taxonomy is not None)))


def output_columns(id_column: str | None, explain: bool, topics: bool) -> list[str]:
    """The column names `assess_messages` writes, in order."""
    names = [id_column] if id_column else []
    names += ["line", *OUTPUT_COLUMNS]
    names += ["explanation"] if explain else []
    names += ["topics", "topic_scores"] if topics else []
    return [*names, "valid", "error"]


def typed_output(frame: pd.DataFrame) -> pd.DataFrame:
    """Stable column types whatever a batch contains (or a part file read back), so all write one schema."""
    frame = frame.copy()
    for col in frame.columns:
        if col in _FLOAT_COLUMNS:
            frame[col] = pd.to_numeric(frame[col], errors="coerce").astype("float64")
        elif col in _INT_COLUMNS:
            frame[col] = pd.to_numeric(frame[col], errors="coerce").astype("Int64")
        elif col in _BOOL_COLUMNS:
            frame[col] = frame[col].astype("boolean")
        else:
            frame[col] = frame[col].astype("string")
    return frame


# Models are loaded once per worker process, on first use, and kept for every later batch it scores.
_ANALYZERS: dict[bool, Analyzer] = {}
_TAXONOMIES: dict[str, CustomTaxonomy] = {}
MODEL_LOADS: Counter[str] = Counter()
"""How often this process loaded models (the batch tests check it is once per worker)."""


def worker_analyzer(embeddings: bool = False) -> Analyzer:
    """This process's Analyzer, loaded on first call."""
    if embeddings not in _ANALYZERS:
        from complaint_radar.settings import get_settings

        settings = get_settings()
        if embeddings:
            settings = settings.model_copy(update={"embeddings": True})
        _ANALYZERS[embeddings] = Analyzer(settings)
        MODEL_LOADS["analyzer"] += 1
    return _ANALYZERS[embeddings]


def worker_taxonomy(reference: str | None) -> CustomTaxonomy | None:
    """This process's copy of the taxonomy at `reference` (a directory or bundled name), loaded once."""
    if reference is None:
        return None
    if reference not in _TAXONOMIES:
        from complaint_radar.services.training.train import load_taxonomy

        _TAXONOMIES[reference] = load_taxonomy(reference)
        MODEL_LOADS["taxonomy"] += 1
    return _TAXONOMIES[reference]


def worker_identity() -> tuple[int, int]:
    """Which process scored a partition and how often it has loaded the models (for the job's report)."""
    return os.getpid(), MODEL_LOADS["analyzer"]


def problem_lines(output: pd.DataFrame) -> Sequence[tuple[int, str]]:
    """(line, reason) of every invalid row of an `assess_messages` output, in order."""
    bad = output[~output["valid"].fillna(False).astype(bool)]
    return list(zip(bad["line"].astype(int).tolist(), bad["error"].astype(str).tolist(), strict=True))

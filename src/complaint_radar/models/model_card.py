"""Model card (Markdown) of a model or taxonomy trained by `complaint-radar train` / `taxonomy train`."""

from __future__ import annotations

from typing import Any

from complaint_radar.models.reports import summary, summary_names, summary_row

DECISION_RULES = {
    "single_label": "each text gets exactly one topic: the class with the highest calibrated probability.",
    "multi_label": (
        "a label applies when its calibrated probability reaches the label's threshold (chosen on "
        "out-of-fold training probabilities for that label's F1, grid 0.20–0.80); when no label reaches its "
        "threshold, the most probable label is still given if its probability is ≥ {min_score}, else none."
    ),
}


def custom_model_card(meta: dict[str, Any], report: dict[str, Any] | None) -> str:
    """The card: what, data, split, labels, parameters, decision rule, held-out metrics, limitations."""
    split, training = meta["split"], meta["training"]
    rule = DECISION_RULES[meta["kind"]].format(min_score=meta.get("min_score"))
    lines = [
        f"# Model card: `{meta['name']}`",
        "",
        f"- **What:** {meta['kind'].replace('_', '-')} text classifier over {len(meta['labels'])} labels, "
        f"trained with `complaint-radar {meta['command']}`.",
        f"- **Date:** {meta['date']} · **seed:** {split['seed']}",
        f"- **Data:** `{split['source']}` (sha256 {training['data_sha256_12']}), text column "
        f"`{training['text_column']}`, label column `{training['label_column']}`"
        + (f", labels separated by `{training['label_separator']}`" if meta["kind"] == "multi_label" else "")
        + ".",
        "- **Model:** hashed character + word n-gram TF-IDF, linear heads stacked and calibrated on "
        "out-of-fold scores (`complaint_radar.models.linear.TextClassifier`"
        + ("; one binary model per label" if meta["kind"] == "multi_label" else "")
        + f"). Parameters: `{training['params']}`. Fitted in {training['fit_seconds']} s.",
        f"- **Decision rule:** {rule}",
        "- **Files:** `manifest.json`, the weights as plain arrays (`weights.npz`) and JSON (`model.json`); "
        "no pickle. Loads without scikit-learn.",
        "",
        "## Data and split",
        "",
        f"Rows read {split['rows_read']:,}; skipped {split['rows_skipped'] or 'none'}; after deduplication "
        f"{split['rows_after_dedupe']:,} ({split['duplicate_rows_dropped']:,} duplicates and "
        f"{split['conflicting_label_rows_dropped']:,} rows with conflicting labels dropped). "
        f"Train {split['train']:,}, held-out test {split['test']:,} (test size {split['test_size']}).",
        "",
        f"Split: {split['method']}.",
        "",
        "| label | training rows |",
        "|---|---|",
    ]
    lines += [f"| {label} | {n:,} |" for label, n in training["label_counts"].items()]
    if meta.get("dropped_labels"):
        dropped = ", ".join(f"`{k}` ({v})" for k, v in meta["dropped_labels"].items())
        lines += ["", f"Left out for too few training rows (fewer than 2 with and 2 without): {dropped}."]
    lines += ["", "## Held-out test metrics", ""]
    if report is None:
        lines.append("No held-out test part (test size 0): no metrics.")
    else:
        head = summary(report)
        names = summary_names(report)
        lines += [
            "| " + " | ".join(names[k] for k in head) + " |",
            "|" + "---|" * len(head),
            "| " + " | ".join(summary_row(report)) + " |",
            "",
            "Per class, confusion and calibration: `metrics.md` / `metrics.json` (and `reliability.png`) "
            "beside this card.",
        ]
    lines += [
        "",
        "## Use",
        "",
        "```",
        f"complaint-radar assess-file messages.csv -o scored.csv --taxonomy {meta['directory']}",
        "```",
        "",
        "```python",
        "from complaint_radar import Taxonomy",
        f"topics = Taxonomy.load({meta['directory']!r}).predict(['…'])",
        "```",
        "",
        "## Limitations",
        "",
        "- A bag of n-grams: it learns the words and characters of its training rows; texts about the same "
        "topic in other words, channels or languages score lower.",
        "- Held-out figures from a few hundred rows are noisy (± several points); re-check on new data with "
        "`complaint-radar evaluate`.",
        "",
    ]
    return "\n".join(lines)

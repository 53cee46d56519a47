"""Decision rules for the cause model, compared on the dumps of bench/causes_dump.py (docs/benchmarks.md,
"Decision rule study"). Every rule is fitted on a fold model's inner out-of-fold probabilities of its
training part only, then replayed on the fold's held-out messages exactly as scoring.causes
`decide_causes` decides (the pipeline's stage, patterns and best guess as recorded), and compared with
the pipeline's own prediction on the same messages (paired per fold).

Run: .venv/bin/python bench/causes_dump.py /tmp/causes_dump
     .venv/bin/python bench/causes_rule_study.py /tmp/causes_dump
"""

from __future__ import annotations

import hashlib
import pickle
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.linear_model import LogisticRegression  # type: ignore[import-untyped]

from complaint_radar.models.cause_corpus import load_cause_corpus

ROOT = Path(__file__).resolve().parents[1]
SCRIPTS = ("zh-Hans", "zh-Hant", "en")
GRID = np.round(np.arange(0.10, 0.901, 0.01), 2)
ALPHAS = np.round(np.arange(0.30, 0.801, 0.05), 2)
Arrays = dict[str, Any]


def micro(gold: np.ndarray, pred: np.ndarray) -> float:
    tp = float((gold & pred).sum())
    return 0.0 if tp == 0 else 2 * tp / float(gold.sum() + pred.sum())


def logit(p: np.ndarray) -> np.ndarray:
    q = np.clip(p, 1e-6, 1 - 1e-6)
    return np.asarray(np.log(q / (1 - q)))


class Study:
    def __init__(self, directory: Path) -> None:
        self.folds = [pickle.loads((directory / f"fold{k}.pkl").read_bytes()) for k in range(5)]
        labels: list[str] = self.folds[0]["labels"]
        self.ci = [i for i, lb in enumerate(labels) if lb.startswith("cause:")]
        self.codes = [labels[i].partition(":")[2] for i in self.ci]
        self.dis = labels.index("stage:dissatisfied")
        self.held = [self._held(f, labels) for f in self.folds]
        self.inner = [{lg: self._inner(f, lg) for lg in ("zh", "en")} for f in self.folds]
        self.base = [h["rec"] for h in self.held]

    def _held(self, fold: dict[str, Any], labels: list[str]) -> Arrays:
        rows = fold["held"]
        lang = np.array([h["language"] for h in rows])
        return {
            "P": np.array([[h["proba"][lb] for lb in labels] for h in rows]),
            "G": np.array([[c in h["gold"] for c in self.codes] for h in rows], dtype=bool),
            "F": np.array([[c in h["forced"] for c in self.codes] for h in rows], dtype=bool),
            "dis": np.array([h["dissatisfied"] for h in rows]),
            "guess": np.array([h["guess"] for h in rows]),
            "lang": lang,
            "script": np.array([h["script"] for h in rows]),
            "rec": np.array([[c in h["causes"] for c in self.codes] for h in rows], dtype=bool),
            "T": np.array([fold["inner"][lg]["thresholds"] for lg in lang]),
        }

    def _inner(self, fold: dict[str, Any], lang: str) -> Arrays:
        d = fold["inner"][lang]
        Y = np.asarray(d["targets"], dtype=bool)
        forced = [[f"strong:{c}" in h or f"composition:{c}" in h for c in self.codes] for h in d["hits"]]
        return {
            "P": d["stacked"],
            "G": Y[:, self.ci],
            "F": np.array(forced, dtype=bool),
            "dis": Y[:, self.dis],
            "guess": np.ones(len(Y), dtype=bool),
            "T": np.tile(d["thresholds"], (len(Y), 1)),
            "ids": d["ids"],
        }

    def decide(self, a: Arrays, P: np.ndarray, T: np.ndarray, keep: np.ndarray | None = None) -> np.ndarray:
        """scoring.causes.decide_causes on arrays; `keep` masks the causes passing their threshold."""
        pc, tc = P[:, self.ci], T[:, self.ci]
        passes = pc >= tc if keep is None else (pc >= tc) & keep
        codes = passes | a["F"]
        codes[:, -1] = False  # `other` only as the best guess
        rows = np.flatnonzero(~codes.any(axis=1) & a["guess"])
        codes[rows, np.argmax(pc[rows], axis=1)] = True
        codes[~a["dis"]] = False
        return codes

    def keep_ratio(self, P: np.ndarray, T: np.ndarray, alpha: float) -> np.ndarray:
        pc, tc = P[:, self.ci], T[:, self.ci]
        top = np.where(pc >= tc, pc, 0.0).max(axis=1, keepdims=True)
        return np.asarray(pc >= alpha * top)

    def keep_cap(self, P: np.ndarray, T: np.ndarray, cap: int) -> np.ndarray:
        pc, tc = P[:, self.ci], T[:, self.ci]
        s = np.where(pc >= tc, pc, -np.inf)
        rank = np.argsort(np.argsort(-s, axis=1), axis=1)
        return np.asarray(rank < cap)

    def inner_alpha(self, a: Arrays, P: np.ndarray, T: np.ndarray) -> float:
        vals = [micro(a["G"], self.decide(a, P, T, self.keep_ratio(P, T, x))) for x in ALPHAS]
        return float(ALPHAS[int(np.argmax(vals))])

    def joint_thresholds(self, a: Arrays, P: np.ndarray, T0: np.ndarray, alpha: float | None) -> np.ndarray:
        """Coordinate ascent (two rounds) over the cause thresholds for the decision's micro-F1."""
        T = T0.copy()

        def value() -> float:
            keep = None if alpha is None else self.keep_ratio(P, T, alpha)
            return micro(a["G"], self.decide(a, P, T, keep))

        for _ in range(2):
            for j in self.ci:
                vals = []
                for t in GRID:
                    T[:, j] = t
                    vals.append(value())
                smooth = np.convolve(vals, np.ones(5) / 5, mode="same")
                T[:, j] = GRID[int(np.argmax(smooth[2:-2])) + 2]
        return T[0]

    def per_language(self, rule: Callable[[int, str, Arrays, Arrays], np.ndarray]) -> list[np.ndarray]:
        preds = []
        for k, h in enumerate(self.held):
            pred = np.zeros_like(h["rec"])
            for lg in ("zh", "en"):
                m = h["lang"] == lg
                pred[m] = rule(k, lg, self.inner[k][lg], h)[m]
            preds.append(pred)
        return preds

    def report(self, name: str, preds: list[np.ndarray], against: list[np.ndarray] | None = None) -> None:
        against = self.base if against is None else against
        print(f"{name}")
        for s in (*SCRIPTS, "all"):
            rows = [h["script"] == s if s != "all" else np.ones(len(h["G"]), bool) for h in self.held]
            v = np.array([micro(h["G"][m], p[m]) for h, p, m in zip(self.held, preds, rows, strict=True)])
            b = np.array([micro(h["G"][m], p[m]) for h, p, m in zip(self.held, against, rows, strict=True)])
            d = v - b
            print(f"  {s:8s} {v.mean():.4f} ± {v.std():.4f}  gain {d.mean():+.4f} ± {d.std():.4f} "
                  f"({(d > 0).sum()}/5 up) [{' '.join(f'{x:+.3f}' for x in d)}]")  # fmt: skip


def main() -> None:
    st = Study(Path(sys.argv[1]))
    for k, h in enumerate(st.held):
        replay = st.decide(h, h["P"], h["T"])
        if (replay != h["rec"]).any():
            raise SystemExit(f"fold {k}: the replay differs from the pipeline's causes")
    st.report("pipeline as recorded (main)", st.base)
    for alpha in (0.4, 0.5, 0.6, 0.7):
        fixed = [st.decide(h, h["P"], h["T"], st.keep_ratio(h["P"], h["T"], alpha)) for h in st.held]
        st.report(f"3. secondary ratio fixed at {alpha}", fixed)

    def ratio(k: int, lg: str, a: Arrays, h: Arrays) -> np.ndarray:
        alpha = st.inner_alpha(a, a["P"], a["T"])
        return st.decide(h, h["P"], h["T"], st.keep_ratio(h["P"], h["T"], alpha))

    c3 = st.per_language(ratio)
    st.report("3. secondary ratio chosen on the inner out-of-fold probabilities (the trainer's rule)", c3)
    for cap in (1, 2):
        capped = [st.decide(h, h["P"], h["T"], st.keep_cap(h["P"], h["T"], cap)) for h in st.held]
        st.report(f"3'. at most {cap} model causes per message", capped)

    def joint(alpha_too: bool) -> Callable[[int, str, Arrays, Arrays], np.ndarray]:
        def rule(k: int, lg: str, a: Arrays, h: Arrays) -> np.ndarray:
            alpha = st.inner_alpha(a, a["P"], a["T"]) if alpha_too else None
            T = h["T"].copy()
            T[:, st.ci] = st.joint_thresholds(a, a["P"], a["T"], alpha)[st.ci]
            if alpha is None:
                return st.decide(h, h["P"], T)
            inner_T = a["T"].copy()
            inner_T[:, st.ci] = T[0, st.ci]
            alpha = st.inner_alpha(a, a["P"], inner_T)
            return st.decide(h, h["P"], T, st.keep_ratio(h["P"], T, alpha))

        return rule

    st.report("2. thresholds chosen jointly for cause micro-F1", st.per_language(joint(False)))
    c23 = st.per_language(joint(True))
    st.report("2+3. joint thresholds with the secondary ratio", c23)
    st.report("2+3 against 3 alone", c23, c3)
    groups = {r.id: r.group for r in load_cause_corpus(ROOT / "corpus" / "causes" / "train")}

    def chain(C: float) -> Callable[[int, str, Arrays, Arrays], np.ndarray]:
        def rule(k: int, lg: str, a: Arrays, h: Arrays) -> np.ndarray:
            X = logit(a["P"][:, st.ci])
            inner_fold = np.array(
                [int.from_bytes(hashlib.blake2b(f"7:{groups[i]}".encode(), digest_size=8).digest(), "big") % 5
                 for i in a["ids"]]
            )  # fmt: skip
            P2, T2 = h["P"].copy(), h["T"].copy()
            Xh = logit(h["P"][:, st.ci])
            for j, col in enumerate(st.ci):
                y = a["G"][:, j]
                if y.sum() < 6:
                    continue
                oof = np.zeros(len(y))
                for f in range(5):
                    fit = LogisticRegression(C=C, max_iter=2000).fit(X[inner_fold != f], y[inner_fold != f])
                    oof[inner_fold == f] = fit.predict_proba(X[inner_fold == f])[:, 1]
                f1 = np.array([micro(y, oof >= t) for t in GRID])
                smooth = np.convolve(f1, np.ones(5) / 5, mode="same")
                T2[:, col] = GRID[int(np.argmax(smooth[2:-2])) + 2]
                P2[:, col] = LogisticRegression(C=C, max_iter=2000).fit(X, y).predict_proba(Xh)[:, 1]
            return st.decide(h, P2, T2)

        return rule

    for C in (0.1, 1.0):
        chained = st.per_language(chain(C))
        st.report(f"1. second-stage stacker on every cause's stacked logit (C={C})", chained)


if __name__ == "__main__":
    main()

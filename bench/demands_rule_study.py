"""Demand decision rules compared on the dump of bench/demands_dump.py (docs/benchmarks.md, "Demand study").
First the out-of-fold false positives and misses per demand and script, each false positive put down to
the source(s) that gave it (the cause model's `demand:*` label, a cue that states the demand, a reading
of `_implied`); then rules replayed on the held-out messages exactly as `decide_demands` decides, paired
per fold against the pipeline's demands. Rules with a setting choose it on the fold model's inner
out-of-fold stacked probabilities of its training part only.

Run: .venv/bin/python bench/demands_dump.py /tmp/demands_rule/dump
     .venv/bin/python bench/demands_rule_study.py /tmp/demands_rule/dump
"""

from __future__ import annotations

import pickle
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from complaint_radar.models.cause_corpus import DEMAND_CODES
from complaint_radar.scoring.causes import _asks
from complaint_radar.text.cues import read_lexically
from complaint_radar.text.lexicon import load_lexicon
from complaint_radar.text.normalize import normalize
from complaint_radar.types import CueCode

SCRIPTS = ("zh-Hans", "zh-Hant", "en")
ALPHAS = np.round(np.arange(0.0, 0.801, 0.05), 2)


def micro(gold: np.ndarray, pred: np.ndarray) -> float:
    tp = float((gold & pred).sum())
    return 0.0 if tp == 0 else 2 * tp / float(gold.sum() + pred.sum())


class Study:
    def __init__(self, directory: Path) -> None:
        dump: dict[str, Any] = pickle.loads((directory / "dump.pkl").read_bytes())
        rows = dump["rows"]
        labels: list[str] = dump["labels"]
        self.di = [labels.index(f"demand:{d}") for d in DEMAND_CODES]
        self.rows = rows

        def mat(key: str) -> np.ndarray:
            return np.array([[d in r[key] for d in DEMAND_CODES] for r in rows], dtype=bool)

        self.G = mat("gold_demands")
        self.rec = mat("demands")
        self.cue = mat("cue")
        self.imp = mat("implied")
        self.P = np.array([[r["proba"][d] for d in DEMAND_CODES] for r in rows])
        self.T = np.array([[r["thr"][d] for d in DEMAND_CODES] for r in rows])
        self.dis = np.array([r["dissatisfied"] for r in rows])
        self.fold = np.array([r["fold"] for r in rows])
        self.script = np.array([r["script"] for r in rows])
        self.lang = np.array([r["language"] for r in rows])
        self.inner = dump["inner"]

    def decide(
        self,
        model: np.ndarray | None = None,
        cue: np.ndarray | None = None,
        imp: np.ndarray | None = None,
    ) -> np.ndarray:
        """`decide_demands`: the model's passing demands, and for a dissatisfied message the cue and
        implied ones (each source replaceable)."""
        m = self.P >= self.T if model is None else model
        c = self.cue if cue is None else cue
        i = self.imp if imp is None else imp
        return m | ((c | i) & self.dis[:, None])

    def counts(self) -> None:
        model = self.P >= self.T
        side = (self.cue | self.imp) & self.dis[:, None]
        print("false positives / misses per demand and script (out of fold); FP source: model only, "
              "cue/implied only, both")  # fmt: skip
        print(f"{'demand':22s} {'script':8s} {'gold':>5s} {'TP':>5s} {'FP':>5s} {'FN':>5s} "
              f"{'FPmod':>6s} {'FPrule':>6s} {'FPboth':>6s} {'TPmod':>6s} {'TPrule':>6s}")  # fmt: skip
        for j, d in enumerate(DEMAND_CODES):
            for s in (*SCRIPTS, "all"):
                m = self.script == s if s != "all" else np.ones(len(self.G), bool)
                g, p = self.G[m, j], self.rec[m, j]
                fp = p & ~g
                mo, ru = model[m, j], side[m, j]
                print(f"{d:22s} {s:8s} {g.sum():5d} {(g & p).sum():5d} {fp.sum():5d} {(g & ~p).sum():5d} "
                      f"{(fp & mo & ~ru).sum():6d} {(fp & ru & ~mo).sum():6d} {(fp & mo & ru).sum():6d} "
                      f"{(g & p & mo & ~ru).sum():6d} {(g & p & ru & ~mo).sum():6d}")  # fmt: skip
        print("per rule source, all scripts: given / right (a demand given by that source and gold)")
        for name, src in (("cue", self.cue), ("implied", self.imp)):
            for j, d in enumerate(DEMAND_CODES):
                given = src[:, j] & self.dis
                alone = given & ~model[:, j]
                if given.sum():
                    right, alone_right = (given & self.G[:, j]).sum(), (alone & self.G[:, j]).sum()
                    print(f"  {name:8s} {d:22s} given {given.sum():5d} right {right:5d}; "
                          f"not also from the model {alone.sum():5d} right {alone_right:5d}")  # fmt: skip
        nd = model & ~self.dis[:, None]
        nd_right = (nd & self.G).sum()
        print(f"model demands on messages not read as dissatisfied: {nd.sum()} given, {nd_right} right")

    def report(self, name: str, pred: np.ndarray, against: np.ndarray | None = None) -> None:
        base = self.rec if against is None else against
        print(name)
        for s in (*SCRIPTS, "all"):
            v, b = [], []
            for k in range(5):
                m = (self.fold == k) & ((self.script == s) if s != "all" else True)
                v.append(micro(self.G[m], pred[m]))
                b.append(micro(self.G[m], base[m]))
            va, d = np.array(v), np.array(v) - np.array(b)
            print(f"  {s:8s} {va.mean():.4f} ± {va.std():.4f}  gain {d.mean():+.4f} ± {d.std():.4f} "
                  f"({(d > 0).sum()}/5 up) [{' '.join(f'{x:+.3f}' for x in d)}]")  # fmt: skip

    def inner_arrays(self, k: int, lang: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        d = self.inner[k][lang]
        return d["stacked"][:, self.di], np.asarray(d["targets"], bool)[:, self.di], d["thresholds"][self.di]

    def per_fold(self, rule: Callable[[int, str, np.ndarray], np.ndarray]) -> np.ndarray:
        """Model demands from `rule(fold, language, rows)` for each fold's held-out rows of a language."""
        out = np.zeros_like(self.rec)
        for k in range(5):
            for lang in ("zh", "en"):
                m = (self.fold == k) & (self.lang == lang)
                out[m] = rule(k, lang, m)
        return out


def ratio_keep(P: np.ndarray, T: np.ndarray, alpha: float) -> np.ndarray:
    passes = P >= T
    top = np.where(passes, P, 0.0).max(axis=1, keepdims=True)
    return np.asarray(passes & (alpha * top <= P))


def asked_cues(st: Study) -> np.ndarray:
    """The cue demands when a refund or cancel cue gives its demand only where `_asks` says the words ask
    (the cues read again from each text, as the pipeline reads them)."""
    lexicon = load_lexicon()
    cue = st.cue.copy()
    for n, r in enumerate(st.rows):
        if not {"refund", "cancel_account"} & set(r["cue"]):
            continue
        norm = normalize(r["text"])
        hits = [h for h in read_lexically(r["text"], lexicon, norm).cues if h.counts]
        for code, demand in ((CueCode.REFUND_DEMAND, "refund"), (CueCode.CANCEL_DEMAND, "cancel_account")):
            cue[n, DEMAND_CODES.index(demand)] = any(h.code == code and _asks(norm, h) for h in hits)
    return cue


def main() -> None:
    st = Study(Path(sys.argv[1]))
    asked = asked_cues(st)
    replay = st.decide()
    if (replay != st.rec).any() and (st.decide(cue=asked) != st.rec).any():
        bad = np.flatnonzero((replay != st.rec).any(axis=1))
        raise SystemExit(f"replay differs from the pipeline on {len(bad)} messages, e.g. {st.rows[bad[0]]}")
    st.counts()
    st.report("pipeline as recorded (main)", st.rec)
    model = st.P >= st.T
    none = np.zeros_like(st.cue)
    st.report("model demands only (no cue, no implied)", st.decide(cue=none, imp=none))
    st.report("no cue demands", st.decide(cue=none))
    st.report("no implied demands", st.decide(imp=none))
    for j, d in enumerate(DEMAND_CODES):
        if st.cue[:, j].any():
            c = st.cue.copy()
            c[:, j] = False
            st.report(f"no cue {d}", st.decide(cue=c))
        if st.imp[:, j].any():
            i = st.imp.copy()
            i[:, j] = False
            st.report(f"no implied {d}", st.decide(imp=i))
    st.report(
        "refund and cancel cues give their demand only where the words ask (`_asks`)", st.decide(cue=asked)
    )
    no_rc = st.cue.copy()
    no_rc[:, [DEMAND_CODES.index("refund"), DEMAND_CODES.index("cancel_account")]] = False
    st.report(
        "  the same against no refund or cancel cue demands at all",
        st.decide(cue=asked),
        st.decide(cue=no_rc),
    )
    st.report("model demands only on dissatisfied messages", st.decide(model=model & st.dis[:, None]))
    for shift in (-0.05, 0.05, 0.10):
        st.report(f"every demand threshold {shift:+.2f}", st.decide(model=st.T + shift <= st.P))

    def ratio(k: int, lang: str, m: np.ndarray) -> np.ndarray:
        P, Y, T = st.inner_arrays(k, lang)
        vals = [micro(Y, ratio_keep(P, T, a)) for a in ALPHAS]
        alpha = float(ALPHAS[int(np.argmax(vals))])
        print(f"    fold {k} {lang}: demand ratio {alpha}")
        return ratio_keep(st.P[m], st.T[m], alpha)

    st.report(
        "demand ratio chosen on the inner out-of-fold probabilities", st.decide(model=st.per_fold(ratio))
    )
    for cap in (1, 2):

        def capped(k: int, lang: str, m: np.ndarray, cap: int = cap) -> np.ndarray:
            P, T = st.P[m], st.T[m]
            s = np.where(P >= T, P, -np.inf)
            rank = np.argsort(np.argsort(-s, axis=1), axis=1)
            return np.asarray((P >= T) & (rank < cap))

        st.report(f"at most {cap} model demands", st.decide(model=st.per_fold(capped)))


if __name__ == "__main__":
    main()

"""Benchmark: the assessor's speed with the bundled cause model against another cause model (by default
the one committed at a git ref), side by side in one process pinned to one core.

Both pipelines assess the same messages in the same batches, alternating model by model over several
rounds (so a noisy machine slows both alike); the table reports the best round of each and their ratio.
Messages: short Chinese texts (waimai + Weibo, as bench/throughput.py) and English tweets.

Run: .venv/bin/python bench/cause_model_speed.py --data ../shared/data --baseline-ref <commit>
         [--rows 20000] [--rounds 3] [--out docs/benchmarks_cause_speed.md]
"""

from __future__ import annotations

import argparse
import io
import os
import platform
import random
import subprocess
import tarfile
import tempfile
import time
from pathlib import Path

import pandas as pd

from machine import cpu_model, pin_one_core
from throughput import short_pool

ROOT = Path(__file__).resolve().parents[1]
CAUSES = "src/complaint_radar/models/artifacts/causes"


def model_at(ref: str, into: Path) -> Path:
    """The cause model committed at `ref`, extracted into `into`."""
    blob = subprocess.run(["git", "archive", ref, CAUSES], cwd=ROOT, check=True, capture_output=True).stdout
    with tarfile.open(fileobj=io.BytesIO(blob)) as tar:
        tar.extractall(into, filter="data")
    return into / CAUSES


def messages(data: Path, n: int, seed: int = 7) -> dict[str, list[str]]:
    """`n` short Chinese texts (bench/throughput.py's pool) and `n` English tweets, drawn with replacement."""
    zh = short_pool(data)
    en = [
        t
        for t in pd.read_csv(data / "complaints_en/twitter_complaints_train.csv")["text"].astype(str)
        if t.strip()
    ]
    rng = random.Random(seed)
    return {"zh": [rng.choice(zh) for _ in range(n)], "en": [rng.choice(en) for _ in range(n)]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--baseline-ref", help="git ref whose committed cause model is the baseline")
    parser.add_argument("--baseline-dir", type=Path, help="a saved cause model directory (instead of a ref)")
    parser.add_argument("--rows", type=int, default=20000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    if (args.baseline_ref is None) == (args.baseline_dir is None):
        parser.error("give exactly one of --baseline-ref and --baseline-dir")
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = "1"
    pinned = pin_one_core()
    from complaint_radar.models.cause_model import CauseModel
    from complaint_radar.models.registry import cause_model_dir
    from complaint_radar.pipeline import Pipeline, Work
    from complaint_radar.settings import Settings

    texts = messages(args.data, args.rows)
    with tempfile.TemporaryDirectory() as tmp:
        base_dir = args.baseline_dir or model_at(args.baseline_ref, Path(tmp))
        models = {"bundled": CauseModel.load(cause_model_dir()), "baseline": CauseModel.load(base_dir)}
    pipelines = {name: Pipeline(Settings(), cause_model=m) for name, m in models.items()}
    best: dict[tuple[str, bool, str], float] = {}
    for _ in range(args.rounds):
        for language, batch in texts.items():
            for explain in (True, False):
                for name, pipeline in pipelines.items():
                    started = time.process_time()
                    for i in range(0, len(batch), 1000):
                        works = [Work(text=t, channel="chat") for t in batch[i : i + 1000]]
                        pipeline.assess_batch(works, explain=explain)
                    spent = time.process_time() - started
                    key = (language, explain, name)
                    best[key] = min(spent, best.get(key, float("inf")))
    ref = args.baseline_ref or str(args.baseline_dir)
    lines = [
        "## The assessor with the bundled cause model against another (one process, one core)",
        "",
        f"Command: `.venv/bin/python bench/cause_model_speed.py --data ../shared/data "
        f"{'--baseline-ref ' + ref if args.baseline_ref else '--baseline-dir ' + ref} --rows {args.rows} "
        f"--rounds {args.rounds}`. Machine: {cpu_model()}, {os.cpu_count()} CPUs, Python "
        f"{platform.python_version()}; {pinned}. Best of {args.rounds} rounds of CPU time, the two models "
        "alternating; batches of 1,000 messages through `Pipeline.assess_batch`, with the reasons and "
        "evidence spans (`explain`) and without them (labels only, as `assess-file` writing label columns).",
        "",
        "| messages | reasons | bundled model: messages per CPU-s | baseline | bundled / baseline time |",
        "|---|---|---:|---:|---:|",
    ]
    names = {"zh": f"{args.rows:,} short Chinese (waimai + Weibo)", "en": f"{args.rows:,} English tweets"}
    for language in texts:
        for explain in (True, False):
            b, o = best[(language, explain, "bundled")], best[(language, explain, "baseline")]
            how = "with" if explain else "labels only"
            lines.append(
                f"| {names[language]} | {how} | {args.rows / b:,.0f} | {args.rows / o:,.0f} | {b / o:.2f}× |"
            )
    report = "\n".join(lines) + "\n"
    print(report)
    if args.out:
        args.out.write_text(report, encoding="utf-8")


if __name__ == "__main__":
    main()

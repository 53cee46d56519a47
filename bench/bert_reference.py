"""Speed reference: what a user would pick instead. A BERT-base-chinese-shaped transformer (random weights,
timing only) on the same texts and the same core as our models, in the same run; writes a Markdown section.

Needs PyTorch (CPU), which the project does not depend on: `.venv/bin/pip install torch==2.13.0`.
Run: .venv/bin/python bench/bert_reference.py --data ../shared/data --out docs/benchmarks_bert.md
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import platform  # noqa: E402
import random  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from collections.abc import Callable  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

from complaint_radar.models import serving  # noqa: E402
from complaint_radar.models.datasets import load_splits  # noqa: E402
from complaint_radar.models.registry import load_model  # noqa: E402
from complaint_radar.text.normalize import normalize  # noqa: E402
from machine import cpu_model, pin_one_core  # noqa: E402 - bench/ is on sys.path when run as a script

ROOT = Path(__file__).resolve().parents[1]
SEED = 7
# bert-base-chinese's config.json: vocabulary, width, depth, heads, feed-forward width, positions.
VOCAB, HIDDEN, LAYERS, HEADS, FFN, MAX_POSITIONS = 21128, 768, 12, 12, 3072, 512


def bert_base_chinese(torch: Any) -> Any:
    """A module with BERT-base's shapes and operations (embeddings + LayerNorm, 12 post-norm encoder layers
    with GELU, pooler, 2-class head) and random weights; PyTorch's fused encoder fast path is allowed."""
    nn = torch.nn

    class Bert(nn.Module):  # type: ignore[misc]
        def __init__(self) -> None:
            super().__init__()
            self.words = nn.Embedding(VOCAB, HIDDEN, padding_idx=0)
            self.positions = nn.Embedding(MAX_POSITIONS, HIDDEN)
            self.segments = nn.Embedding(2, HIDDEN)
            self.norm = nn.LayerNorm(HIDDEN, eps=1e-12)
            layer = nn.TransformerEncoderLayer(
                HIDDEN, HEADS, FFN, dropout=0.1, activation="gelu", batch_first=True, layer_norm_eps=1e-12
            )
            self.encoder = nn.TransformerEncoder(layer, LAYERS, enable_nested_tensor=True)
            self.pooler = nn.Linear(HIDDEN, HIDDEN)
            self.head = nn.Linear(HIDDEN, 2)

        def forward(self, ids: Any, pad: Any) -> Any:
            pos = torch.arange(ids.shape[1]).unsqueeze(0)
            h = self.norm(self.words(ids) + self.positions(pos) + self.segments(torch.zeros_like(ids)))
            h = self.encoder(h, src_key_padding_mask=pad)
            return self.head(torch.tanh(self.pooler(h[:, 0]))).softmax(-1)

    torch.manual_seed(SEED)
    return Bert().eval()


def char_ids(text: str, max_len: int) -> list[int]:
    """bert-base-chinese splits Chinese into single characters: [CLS] + one id per character + [SEP]
    (ids are arbitrary here, the weights are random; only the sequence length matters for timing)."""
    body = [1000 + ord(c) % (VOCAB - 1000) for c in normalize(text) if not c.isspace()][: max_len - 2]
    return [101, *body, 102]


def bert_rate(torch: Any, model: Any, texts: list[str], max_len: int, batch: int) -> float:
    """Texts/s of the reference: length-sorted batches, padded, attention mask, no gradients."""
    seqs = sorted((char_ids(t, max_len) for t in texts), key=len)
    with torch.inference_mode():  # warm-up (allocator, kernels) outside the timing
        model(torch.tensor([seqs[0]]), torch.tensor([seqs[0]]) == 0)
    start = time.perf_counter()
    with torch.inference_mode():
        for i in range(0, len(seqs), batch):
            chunk = seqs[i : i + batch]
            width = max(map(len, chunk))
            ids = torch.tensor([s + [0] * (width - len(s)) for s in chunk])
            model(ids, ids == 0)
    return len(texts) / (time.perf_counter() - start)


def our_rate(fn: Callable[[list[str]], object], texts: list[str], repeats: int = 3) -> float:
    """Best texts/s of `fn` over `repeats` cold-cache runs in batches of 1,000."""
    best = float("inf")
    for _ in range(repeats):
        serving.clear_feature_cache()
        start = time.perf_counter()
        for i in range(0, len(texts), 1000):
            fn(texts[i : i + 1000])
        best = min(best, time.perf_counter() - start)
    return len(texts) / best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "benchmarks_bert.md")
    parser.add_argument("--texts", type=int, default=300, help="Texts per set for the reference.")
    parser.add_argument("--max-len", type=int, default=512)
    parser.add_argument("--batch", type=int, default=16)
    args = parser.parse_args()
    try:
        import torch
    except ImportError:
        raise SystemExit("this benchmark needs PyTorch: .venv/bin/pip install torch==2.13.0") from None
    warnings.filterwarnings("ignore", message=".*nested tensors.*")
    torch.set_num_threads(1)
    nproc = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    pinning = pin_one_core()
    splits = load_splits(args.data)
    rng = random.Random(SEED)
    short = [t for t in splits["waimai"].test_texts + splits["smp2020_ewect"].test_texts if len(t) <= 80]
    sets = [
        ("ChnSentiCorp test reviews", rng.sample(splits["chnsenticorp"].test_texts, args.texts)),
        ("short Chinese messages (waimai + Weibo test, ≤ 80 chars)", rng.sample(short, args.texts)),
    ]
    sentiment, emotion = load_model("sentiment_zh"), load_model("emotion_zh")
    model = bert_base_chinese(torch)
    params = sum(p.numel() for p in model.parameters())
    started = time.perf_counter()
    rows = []
    for name, texts in sets:
        chars = sum(map(len, texts)) / len(texts)
        ours_before = our_rate(sentiment.predict_proba, texts)
        bert = bert_rate(torch, model, texts, args.max_len, args.batch)
        ours_after = our_rate(sentiment.predict_proba, texts)
        both = our_rate(lambda b: (sentiment.predict_proba(b), emotion.predict_proba(b)), texts)
        ours = (ours_before + ours_after) / 2
        rows.append((name, len(texts), chars, bert, ours, both))
        print(f"{name}: BERT {bert:.1f}/s, ours {ours:,.0f}/s ({ours / bert:,.0f}×)", flush=True)
    lines = [
        "## Speed reference: a BERT-base-chinese-shaped transformer",
        "",
        f"Command: `.venv/bin/python bench/bert_reference.py --data {args.data} --out {args.out}` "
        "(needs `pip install torch==2.13.0`; the project itself does not depend on PyTorch)  ",
        f"Machine: {cpu_model()}, `nproc` = {nproc}, Python {platform.python_version()}, "
        f"PyTorch {torch.__version__} (CPU, 1 thread), {pinning}; run {time.strftime('%Y-%m-%d')}  ",
        f"Reference: BERT-base-chinese's shapes ({LAYERS} layers, width {HIDDEN}, {HEADS} heads, "
        f"feed-forward {FFN}, vocabulary {VOCAB:,}; {params / 1e6:.0f} M parameters) with random weights: "
        "only its speed is measured, which is what a fine-tuned BERT-base classifier costs per text. One "
        "token per character as bert-base-chinese's tokenizer gives for Chinese, [CLS]/[SEP], at most "
        f"{args.max_len} tokens; "
        f"length-sorted batches of {args.batch} with padding mask, `inference_mode`, PyTorch's fused encoder "
        "path; tokenisation not counted for BERT (ours includes normalisation and tokenisation). Ours: "
        "`sentiment_zh.predict_proba` in batches of 1,000, best of 3, measured before and after BERT on the "
        "same core (mean of the two).",
        "",
        "| texts | n | mean chars | BERT-base-shaped texts/s | ours texts/s | ours ÷ BERT | "
        "ours, sentiment + emotion texts/s |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for name, n, chars, bert, ours, both in rows:
        ratio = ours / bert
        lines.append(
            f"| {name} | {n:,} | {chars:.0f} | {bert:,.1f} | {ours:,.0f} | **{ratio:,.0f}×** | {both:,.0f} |"
        )
    lines += ["", f"Whole run: {time.perf_counter() - started:,.0f} s.", ""]
    text = "\n".join(lines)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()

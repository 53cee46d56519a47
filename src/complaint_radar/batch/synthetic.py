"""Seeded synthetic message tables at any size, for trying and measuring batch scoring and the cube."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pyarrow as pa

from complaint_radar.customers.journeys import generate_journeys
from complaint_radar.demo import load_demo_messages

_REGIONS = ("华东", "华北", "华南", "西南", "东北")
_SEGMENTS = ("retail", "private", "small_business")
_PRODUCTS = ("信用卡", "借记卡", "手机银行", "房贷", "理财", "宽带", "套餐", "快递")
# Varied wording around a base message, so no two rows are the same text.
_OPENERS = ("", "", "你好，", "客服你好，", "Hi, ", "喂，", "麻烦问一下，")
_CLOSERS = ("", "", "", "谢谢", "！", "？", "。", " 订单{n}", " 第{k}次联系了", " ref {n}")

SCHEMA = pa.schema(
    [
        ("id", pa.string()),
        ("text", pa.string()),
        ("channel", pa.string()),
        ("occurred_at", pa.string()),
        ("product", pa.string()),
        ("branch", pa.string()),
        ("region", pa.string()),
        ("segment", pa.string()),
        ("team", pa.string()),
        ("agent_id", pa.string()),
    ]
)


def base_texts(seed: int = 7) -> list[tuple[str, str]]:
    """(text, channel) pairs: the bundled demo customer messages and seeded synthetic journeys."""
    demo = [m for m in load_demo_messages() if m.get("speaker") != "agent"]
    pairs = [(m["text"], m.get("channel") or "chat") for m in demo]
    journeys = generate_journeys(300, seed, datetime(2026, 1, 1, tzinfo=UTC))
    pairs += [(m["text"], m["channel"]) for m in journeys.messages]
    return pairs


def synthetic_batches(
    rows: int, *, seed: int = 7, batch_rows: int = 100_000, bad_share: float = 0.01, days: int = 30
) -> Iterator[pa.Table]:
    """`rows` messages in SCHEMA over `days` days, with dimension columns and a `bad_share` of empty texts."""
    rng = random.Random(seed)
    pool = base_texts(seed)
    start = datetime(2026, 3, 1, tzinfo=UTC)
    made = 0
    while made < rows:
        size = min(batch_rows, rows - made)
        columns: dict[str, list[str]] = {name: [] for name in SCHEMA.names}
        for i in range(made, made + size):
            text, channel = rng.choice(pool)
            closer = rng.choice(_CLOSERS).format(n=rng.randrange(10**6, 10**7), k=rng.randrange(2, 6))
            text = "" if rng.random() < bad_share else f"{rng.choice(_OPENERS)}{text}{closer}"
            branch = rng.randrange(40)
            columns["id"].append(f"m{i:09d}")
            columns["text"].append(text)
            columns["channel"].append(channel)
            at = start + timedelta(seconds=rng.randrange(days * 86_400))
            columns["occurred_at"].append(at.isoformat())
            columns["product"].append(rng.choice(_PRODUCTS))
            columns["branch"].append(f"b{branch:02d}")
            columns["region"].append(_REGIONS[branch % len(_REGIONS)])
            columns["segment"].append(rng.choice(_SEGMENTS))
            columns["team"].append(f"t{branch % 8}")
            columns["agent_id"].append(f"a{rng.randrange(200):03d}")
        yield pa.Table.from_pydict(columns, schema=SCHEMA)
        made += size

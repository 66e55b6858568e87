"""Confidence: retrieval and grounding features -> calibrated probability that the draft is correct.

The model is a logistic regression on standardised features (fitted by `assistant.calibration`),
stored as plain JSON so answering needs numpy only. "Correct" is defined in calibration.py.
"""

from __future__ import annotations

import hashlib
import json
import math
from pathlib import Path

import numpy as np
from pydantic import BaseModel, Field

from assistant.context import SourceBlock
from assistant.errors import CalibrationError
from assistant.grounding import supported_share
from assistant.models import Sentence
from assistant.vocabulary import Vocabulary
from retrieval.models import Hit
from retrieval.tokenize import tokenize

FEATURES = [
    "top_fused",  # fused score of the best hit, 0-1 (1 = best in every ranking)
    "agreement",  # how high BM25 and dense both rank the best hit: mean of 1/rank
    "margin",  # dense cosine of the best hit minus the runner-up's (RRF margins depend on corpus size)
    "top_dense",  # best dense cosine among the hits
    "supported_share",  # verified sentences / draft sentences
    "n_supporting",  # distinct chunks cited by supported sentences
    "coverage",  # IDF-weighted share of the ticket's terms the draft (and its sources' titles) contains
    "unknown_terms",  # the largest share, over the ticket's asks, of an ask's terms the help center never uses
    "best_sentence_sim",  # cosine of the draft sentence closest to the ticket
    "ask_coverage",  # the least-covered ask: cosine of its closest drafted unit (one ask: best_sentence_sim)
    "entity_match",  # share of the ticket's error codes, versions, ids and products the cited passages name
    "doc_margin",  # fused score of the cited article's best hit minus the best hit of any other article
]
# The direction each feature may push confidence. The fit is held to these signs so that a
# correlation peculiar to one training set (say, more unknown words in easier benchmark questions)
# cannot teach the model that a ticket about something the help center never mentions is a safe bet.
SIGNS = {f: (-1 if f == "unknown_terms" else 1) for f in FEATURES}
MARGIN_DEPTH = 20  # hits per ask searched for `doc_margin`: deep enough to hold the runner-up article


def _rank_score(rank: int | None) -> float:
    return 1.0 / rank if rank else 0.0


def entity_match(entities, blocks: list[SourceBlock], sentences: list[Sentence]) -> float:
    """Share of the ticket's entities (error codes, versions, identifiers, products) that the cited
    passages mention, case-insensitively; 1.0 when the ticket names none. A passage about another
    version or error code than the ticket's is the classic look-alike answer."""
    if not entities:
        return 1.0
    cited = {n for s in sentences for n in s.citations}
    text = " ".join(f"{b.hit.title} {b.text}" for b in blocks if b.n in cited or not cited).lower()
    names = {e.text.lower() for e in entities}
    return sum(1 for e in names if e in text) / len(names)


def _best_per_doc(hits: list[Hit]) -> dict[str, Hit]:
    best: dict[str, Hit] = {}
    for h in hits:
        if h.doc_id not in best or h.scores.fused > best[h.doc_id].scores.fused:
            best[h.doc_id] = h
    return best


def _first_cited(hits: list[Hit], blocks: list[SourceBlock], sentences: list[Sentence]) -> str:
    by_n = {b.n: b.doc_id for b in blocks}
    return next((by_n[n] for s in sentences for n in s.citations if n in by_n), hits[0].doc_id)


def doc_margin(hits: list[Hit], blocks: list[SourceBlock], sentences: list[Sentence],
               co_answers: frozenset[str] = frozenset()) -> float:
    """How far the article the draft cites first stands above every other article in the ranking
    (best fused score of each; the top hit's article when nothing is cited). Chunk-level margins
    mostly compare two chunks of one article; a clear winner among articles is what tells a ticket
    the help center answers from one it only resembles. `co_answers`: articles that answer another
    of the ticket's asks, which are no rival to this one."""
    if not hits:
        return 0.0
    first = _first_cited(hits, blocks, sentences)
    best = {d: h.scores.fused for d, h in _best_per_doc(hits).items()}
    others = [v for d, v in best.items() if d != first and d not in co_answers]
    return best.get(first, 0.0) - (max(others) if others else 0.0)


def runner_up(hits: list[Hit], blocks: list[SourceBlock], sentences: list[Sentence],
              co_answers: frozenset[str] = frozenset()) -> Hit | None:
    """The best hit of the strongest article other than the one the draft cites first (`doc_margin`'s rival)."""
    if not hits:
        return None
    first = _first_cited(hits, blocks, sentences)
    others = [h for d, h in _best_per_doc(hits).items() if d != first and d not in co_answers]
    return max(others, key=lambda h: h.scores.fused, default=None)


def co_answers(blocks: list[SourceBlock], sentences: list[Sentence], parts: list[int] | None) -> frozenset[str]:
    """The article each part of a several-ask draft cites first, beyond the first part's: the
    merged ranking sets the invite article against the 2FA article when a ticket asks for both."""
    if not parts or len(parts) != len(sentences):
        return frozenset()
    by_n = {b.n: b.doc_id for b in blocks}
    firsts: dict[int, str] = {}
    for part, s in zip(parts, sentences, strict=True):
        doc = next((by_n[n] for n in s.citations if n in by_n), None)
        if doc is not None:
            firsts.setdefault(part, doc)
    leading = firsts.get(min(firsts), "") if firsts else ""
    return frozenset(d for d in firsts.values() if d != leading)


def features(question: str, hits: list[Hit], blocks: list[SourceBlock], sentences: list[Sentence],
             best_sentence_sim: float, vocab: Vocabulary | None, fused_scale: float = 1.0,
             ask_coverage: float | None = None, entity_match: float = 1.0,
             ranking: list[Hit] | None = None, asks: list[str] | None = None,
             co_answers: frozenset[str] = frozenset()) -> dict[str, float]:
    """The feature vector of one answer, as a name -> value dict (ordered as FEATURES). `ranking`: the
    deeper hit list `doc_margin` reads (default `hits`); `asks`: the ticket's asks as written, each
    checked for words the help center never uses (default the whole `question`): an ask about
    something the help center never mentions is a dropped ask, however well the others match;
    `co_answers`: articles other asks are answered from (see `co_answers()`)."""
    top = hits[0] if hits else None
    fused = [h.scores.fused for h in hits]
    dense = sorted((h.scores.dense or 0.0 for h in hits), reverse=True)
    cited = {n for s in sentences for n in s.citations}
    answer_text = " ".join(s.text for s in sentences) + " " + " ".join(
        f"{b.hit.title} {' '.join(b.hit.heading_path)}" for b in blocks if b.n in cited)
    if vocab is None:  # no catalog to weigh terms by: plain term overlap
        vocab = Vocabulary.from_texts([answer_text, question])
    feats = {
        "top_fused": min(1.0, fused[0] * fused_scale) if fused else 0.0,
        "agreement": (_rank_score(top.scores.bm25_rank) + _rank_score(top.scores.dense_rank)) / 2 if top else 0.0,
        "margin": dense[0] - dense[1] if len(dense) > 1 else dense[0] if dense else 0.0,
        "top_dense": dense[0] if dense else 0.0,
        "supported_share": supported_share(sentences),
        "n_supporting": float(len({n for s in sentences if s.supported for n in s.citations})),
        "coverage": vocab.coverage(question, answer_text) if sentences else 0.0,
        "unknown_terms": max((unknown_share(a, vocab) for a in asks or [] if tokenize(a)),
                             default=unknown_share(question, vocab)),
        "best_sentence_sim": best_sentence_sim,
        "ask_coverage": best_sentence_sim if ask_coverage is None else ask_coverage,
        "entity_match": entity_match,
        "doc_margin": doc_margin(ranking or hits, blocks, sentences, co_answers) * fused_scale,
    }
    return {k: float(feats[k]) for k in FEATURES}


def unknown_share(text: str, vocab: Vocabulary) -> float:
    """Share of the text's terms that the help center never uses (typos forgiven); 1.0 for no terms."""
    terms = set(tokenize(text))
    return len(set(vocab.unknown(text)) & terms) / len(terms) if terms else 1.0


class Calibration(BaseModel):
    """A fitted confidence model. `version` is a hash of everything else, so any refit is visible."""

    features: list[str]
    mean: list[float]
    scale: list[float]
    coef: list[float]
    intercept: float = Field(description="Intercept used when answering (the `profile` help center's base rate).")
    intercepts: dict[str, float] = Field(
        default_factory=dict, description="Per-dataset intercepts of a joint fit (shared slopes, own base rates).")
    profile: str = Field("", description="Dataset whose intercept is used when answering.")
    label: str = Field("", description="What 'correct' meant when this was fitted.")
    fitted_on: list[str] = Field(default_factory=list, description="Datasets (and splits) used for fitting.")
    n: int = 0
    low: list[float] = Field(default_factory=list, description="Per-feature lower clip (training range).")
    high: list[float] = Field(default_factory=list, description="Per-feature upper clip (training range).")
    metrics: dict = Field(default_factory=dict, description="Held-out ECE, accuracy, coverage curve.")
    version: str = ""

    def content_hash(self) -> str:
        body = self.model_dump(exclude={"version", "metrics"})
        return "cal-" + hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()[:12]

    def with_version(self) -> Calibration:
        return self.model_copy(update={"version": self.content_hash()})

    def _z(self, feats: dict[str, float]) -> np.ndarray:
        x = np.array([feats.get(f, 0.0) for f in self.features])
        if self.low and self.high:  # no extrapolation beyond what the fit has seen
            x = np.clip(x, self.low, self.high)
        return (x - np.array(self.mean)) / np.array(self.scale)

    def predict(self, feats: dict[str, float], dataset: str | None = None) -> float:
        """P(correct); `dataset` picks that dataset's intercept (evaluation), else the profile's."""
        logit = float(self._z(feats) @ np.array(self.coef) + self.intercepts.get(dataset or "", self.intercept))
        return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, logit))))

    def contributions(self, feats: dict[str, float]) -> dict[str, float]:
        """Each feature's share of the logit against a typical answer of the fit (its mean): negative
        values are what pulls this answer's confidence down."""
        return {f: float(v) for f, v in zip(self.features, self._z(feats) * np.array(self.coef), strict=True)}


DEFAULT_RESOURCE = "calibration_default.json"


def read_calibration(path: Path) -> Calibration:
    try:
        cal = Calibration.model_validate_json(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise CalibrationError(f"Cannot read the calibration at {path}: {e}. Re-run `deflect calibrate`.") from e
    if set(cal.features) - set(FEATURES):
        raise CalibrationError(f"The calibration at {path} uses other features; re-run `deflect calibrate`.")
    return cal


def write_calibration(cal: Calibration, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(cal.with_version().model_dump_json(indent=2) + "\n", encoding="utf-8")
    tmp.replace(path)
    return path


def calibration_path(settings) -> Path:
    return Path(settings.calibration_file) if settings.calibration_file else Path(settings.data_dir) / "calibration.json"


def load_calibration(settings) -> Calibration:
    """The configured calibration file, else `<data_dir>/calibration.json`, else the packaged default."""
    path = calibration_path(settings)
    if path.exists():
        return read_calibration(path)
    if settings.calibration_file:
        raise CalibrationError(f"DEFLECT_CALIBRATION_FILE points at {path}, which does not exist.")
    # Beside this module: importlib.resources sees `assistant` as a namespace package when a
    # same-named folder (tests/assistant) is importable too, and then refuses to read from it.
    return read_calibration(Path(__file__).with_name(DEFAULT_RESOURCE))


def label_for(confidence: float, threshold: float, high: float) -> str:
    return "high" if confidence >= high else "medium" if confidence >= threshold else "low"

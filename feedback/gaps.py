"""The content-gap report: the help center team's to-do list, from what the assistant could not answer.

Candidates are interactions with a content signal: escalated as not covered (by the pipeline, or by an
agent as out of scope), marked "not in the docs" in feedback, low confidence, voted down as an outdated
source, or sent after heavy editing. Their tickets (the core: no greeting, quoted history or signature)
are embedded with the app's embedder and clustered with a seeded k-means, k picked by silhouette. Each
cluster gets distinctive terms (class-based TF-IDF), its count and trend, the three tickets nearest its
centre (redacted again before display), the nearest existing articles, and the asks they fail. No LLM.

    report = build_gap_report(interactions, embed=svc.embedder.embed, search=..., redact=...)
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta
from typing import Literal

import numpy as np
from pydantic import BaseModel, Field

from assistant.decision import topic
from assistant.understanding import understand
from feedback.models import Interaction
from feedback.queries import edit_share

GapSignal = Literal["not_covered", "not_in_docs", "low_confidence", "outdated_source", "heavily_edited"]
SEED = 13
MAX_CLUSTERS = 8
# The pipeline's "not covered" reasons (assistant.decision.not_covered and decide).
_NOT_COVERED = re.compile(r"no article covers|\bnot covered: |no passage in the help center answers")
_QUOTED = re.compile(r"“([^”]+)”")
_PLACEHOLDER = re.compile(r"\[[A-Z_]+\]")
EXCERPT_CHARS = 280


class GapTicket(BaseModel):
    request_id: str
    created_at: datetime
    signals: list[GapSignal]
    excerpt: str = Field(description="The ticket's core, redacted, cut to a few lines.")


class GapArticle(BaseModel):
    doc_id: str
    title: str
    url: str | None = None
    score: float
    labels: list[str] = Field(default_factory=list)


class GapCluster(BaseModel):
    topic: str = Field(description="The cluster's most distinctive terms.")
    count: int
    signals: dict[str, int]
    first_half: int = Field(description="Tickets in the first half of the period.")
    second_half: int
    trend: Literal["rising", "falling", "steady"]
    weekly: dict[str, int] = Field(description="Tickets per ISO week.")
    representatives: list[GapTicket]
    nearest_articles: list[GapArticle] = Field(description="Empty without an active index.")
    failed_asks: list[str] = Field(description="What customers asked that no article answered, most frequent first.")


class GapReport(BaseModel):
    start: date | None
    end: date | None
    interactions: int = Field(description="Interactions scanned.")
    candidates: int = Field(description="Interactions with a content signal and ticket text.")
    skipped_redacted: int = Field(0, description="Candidates whose text retention had already removed.")
    clusters: list[GapCluster]


def gap_signals(it: Interaction, edit_threshold: float) -> list[GapSignal]:
    reasons = it.answer.reasons if it.answer else []
    signals: list[GapSignal] = []
    if any(_NOT_COVERED.search(r) for r in reasons) or (it.escalated and it.out_of_scope):
        signals.append("not_covered")
    elif it.out_of_scope:
        signals.append("not_in_docs")
    if it.confidence_label == "low":
        signals.append("low_confidence")
    if it.thumbs == "down" and it.reason == "outdated_source":
        signals.append("outdated_source")
    if it.edited and it.final_text is not None and edit_share(it.draft, it.final_text) >= edit_threshold:
        signals.append("heavily_edited")
    return signals


def failed_asks(it: Interaction) -> list[str]:
    """The uncovered asks the pipeline quoted, else the ticket's first ask as a short quote."""
    quoted = [q for r in (it.answer.reasons if it.answer else []) if _NOT_COVERED.search(r)
              for q in _QUOTED.findall(r)]
    if quoted:
        return [f"“{q}”" for q in quoted]
    parts = understand("", it.ticket)
    return [topic(parts.asks[0].text if parts.asks else parts.core)]


def choose_clusters(vectors: np.ndarray, k: int | None = None, seed: int = SEED,
                    max_k: int = MAX_CLUSTERS) -> np.ndarray:
    """Labels from seeded k-means on unit vectors; without k, the k in 2..max_k with the best silhouette."""
    from sklearn.cluster import KMeans
    from sklearn.metrics import silhouette_score

    n = len(vectors)
    if n < 3 or k == 1:
        return np.zeros(n, int)
    if k is not None:
        return KMeans(min(k, n), n_init=10, random_state=seed).fit_predict(vectors)
    best, best_score = np.zeros(n, int), -1.0
    for kk in range(2, min(max_k, n - 1) + 1):
        labels = KMeans(kk, n_init=10, random_state=seed).fit_predict(vectors)
        score = silhouette_score(vectors, labels, metric="cosine")
        if score > best_score + 1e-9:  # ties keep the smaller k
            best, best_score = labels, score
    return best


def topic_terms(texts_by_cluster: Sequence[Sequence[str]], n: int = 4) -> list[list[str]]:
    """Class-based TF-IDF: each cluster's texts as one document, so terms shared by every cluster sink."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    docs = [_PLACEHOLDER.sub(" ", " ".join(texts)) for texts in texts_by_cluster]
    vec = TfidfVectorizer(stop_words="english", token_pattern=r"(?u)\b[^\W\d_]{3,}\b", sublinear_tf=True)
    try:
        m = vec.fit_transform(docs).toarray()
    except ValueError:  # only stop words
        return [[] for _ in docs]
    vocab = vec.get_feature_names_out()
    return [[vocab[j] for j in np.argsort(-row, kind="stable")[:n] if row[j] > 0] for row in m]


def _trend(times: Sequence[datetime], start: datetime, end: datetime) -> tuple[int, int, str]:
    middle = start + (end - start) / 2
    first = sum(t < middle for t in times)
    second = len(times) - first
    if second >= max(2 * first, first + 2):
        return first, second, "rising"
    if first >= max(2 * second, second + 2):
        return first, second, "falling"
    return first, second, "steady"


def _articles(search: Callable[[str], list] | None, query: str, n: int = 3) -> list[GapArticle]:
    if search is None:
        return []
    seen: dict[str, GapArticle] = {}
    for h in search(query[:1000]):
        if h.doc_id not in seen:
            seen[h.doc_id] = GapArticle(doc_id=h.doc_id, title=h.title, url=h.url, score=round(h.score, 4),
                                        labels=h.labels)
    return list(seen.values())[:n]


def build_gap_report(interactions: Sequence[Interaction], embed: Callable[[list[str]], np.ndarray],
                     search: Callable[[str], list] | None, redact: Callable[[str], str], *,
                     edit_threshold: float = 0.5, k: int | None = None, start: date | None = None,
                     end: date | None = None, seed: int = SEED) -> GapReport:
    """Cluster the interactions with a content signal; biggest cluster first."""
    found = [(it, s) for it in interactions if (s := gap_signals(it, edit_threshold))]
    usable = [(it, s) for it, s in found if not it.redacted and it.ticket.strip()]
    clusters: list[GapCluster] = []
    if usable:
        cores = [understand("", it.ticket).core or it.ticket for it, _ in usable]
        vectors = np.asarray(embed([c[:2000] for c in cores]), float)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True).clip(1e-12)
        labels = choose_clusters(vectors, k, seed)
        groups = [np.flatnonzero(labels == c) for c in sorted(set(labels.tolist()))]
        terms = topic_terms([[cores[i] for i in g] for g in groups])
        times = [it.created_at for it, _ in usable]
        lo = datetime.combine(start, datetime.min.time(), min(times).tzinfo) if start else min(times)
        hi = (datetime.combine(end, datetime.min.time(), max(times).tzinfo) + timedelta(days=1)) if end else max(times)
        for g, words in zip(groups, terms, strict=True):
            centre = vectors[g].mean(axis=0)
            order = g[np.argsort(-(vectors[g] @ centre), kind="stable")]
            first, second, trend = _trend([times[i] for i in g], lo, hi)
            reps = [GapTicket(request_id=usable[i][0].request_id, created_at=times[i], signals=usable[i][1],
                              excerpt=redact(cores[i][:EXCERPT_CHARS])) for i in order[:3]]
            asks = Counter(a for i in g for a in failed_asks(usable[i][0]))
            weeks = Counter("{}-W{:02d}".format(*times[i].isocalendar()[:2]) for i in g)
            clusters.append(GapCluster(
                topic=", ".join(words) or "(no distinctive terms)", count=len(g),
                signals=dict(Counter(s for i in g for s in usable[i][1]).most_common()),
                first_half=first, second_half=second, trend=trend, weekly=dict(sorted(weeks.items())),
                representatives=reps, nearest_articles=_articles(search, cores[order[0]]),
                failed_asks=[redact(a) for a, _ in asks.most_common(5)]))
        clusters.sort(key=lambda c: (-c.count, c.topic))
    return GapReport(start=start, end=end, interactions=len(interactions), candidates=len(usable),
                     skipped_redacted=len(found) - len(usable), clusters=clusters)


def gap_report_for(services, start: date | None = None, end: date | None = None, k: int | None = None) -> GapReport:
    """The report over the feedback store's interactions in start..end (UTC days), with the app's
    embedder, searcher (nearest articles; none without an active index) and redactor: what the CLI
    and the evaluator page call with their `deflectkit.app.Services`."""
    from feedback.models import FeedbackFilter

    s = services.settings
    interactions = services.feedback.list_interactions(FeedbackFilter(since=start, until=end))
    search = None
    if services.catalog.active_version() is not None:
        search = lambda q: services.searcher.search(q, k=10)  # noqa: E731 - chunks; deduped to 3 articles
    redact = (lambda t: services.redactor.redact(t)[0]) if s.redact_pii else (lambda t: t)
    return build_gap_report(interactions, services.embedder.embed, search, redact, edit_threshold=s.gap_edit_share,
                            k=k, start=start, end=end)

"""Answer quality and speed per provider on demo and emanual, with baselines measured in the same run.

    python -m evals.bench.answers [--local-sample 25] [--skip-local] [--seed 13] [--json] [--out FILE]

Per dataset and provider: stage latency p50/p95, ROUGE-L of the answer sentences (every in-scope
question with a reference, whatever the decision, as the issue's benchmark counts; emanual without
yes/no questions), supported-sentence share, citation precision, abstention on out-of-scope. Ratios
against two baselines from the same index and run: the naive draft (top hybrid section, its 5 lines
most similar to the question) and the whole gold section. Calibration on emanual: the shipped
default's ECE and coverage-accuracy (its emanual intercept, and the default profile), and 5-fold
cross-validation over demo + emanual. Cache: the local sample asked again (response cache hits).
LLM runs bypass the cache lookup so every first answer is a real model call.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np

N_NAIVE_LINES = 5


def _log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def answer_all(assistant, queries, provider: str, label: str, cache_bypass: bool = True) -> list:
    """(query, Run) for every query, in order, with a progress line every 25."""
    from assistant.models import Ticket

    out, t0 = [], time.perf_counter()
    for i, q in enumerate(queries, 1):
        out.append((q, assistant.run(Ticket(body=q.text), None, provider, cache_bypass=cache_bypass)))
        if i % 25 == 0 or i == len(queries):
            _log(f"  {label}: {i}/{len(queries)} ({time.perf_counter() - t0:.0f} s)")
    return out


def doc_lines(svc, version: int, doc_id: str, cache: dict) -> list[str]:
    """A document's non-empty lines in order (chunk overlaps removed)."""
    if doc_id not in cache:
        chunks = sorted(svc.catalog.chunks_of_docs(version, [doc_id]), key=lambda c: c.ordinal)
        lines = (ln.strip() for c in chunks for ln in c.text.splitlines())
        cache[doc_id] = list(dict.fromkeys(ln for ln in lines if ln))
    return cache[doc_id]


def naive_draft(svc, version: int, question: str, lines_cache: dict, vec_cache: dict) -> str:
    """The issue's naive baseline: the top hybrid section, its 5 lines most similar to the question."""
    hits = svc.searcher.search(question, k=1)
    if not hits:
        return ""
    lines = doc_lines(svc, version, hits[0].doc_id, lines_cache)
    if len(lines) <= N_NAIVE_LINES:
        return " ".join(lines)
    if hits[0].doc_id not in vec_cache:
        vec_cache[hits[0].doc_id] = svc.embedder.embed(lines)
    sims = vec_cache[hits[0].doc_id] @ svc.embedder.embed([question])[0]
    keep = sorted(np.argsort(-sims)[:N_NAIVE_LINES])
    return " ".join(lines[i] for i in keep)


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def rouge_all(pairs) -> float | None:
    """Mean ROUGE-L F1 of the answer sentences over in-scope questions with a reference, any decision."""
    from evals.answers import rouge_l_f1

    return _rounded(rouge_l_f1([(q, r.answer) for q, r in pairs], answered_only=False))


def summary(pairs, min_share: float) -> dict:
    from evals.answers import answer_metrics, supported_share

    m = answer_metrics([(q, r.answer) for q, r in pairs], min_share=min_share)
    keep = ("n_answers", "answered", "rouge_l_f1", "citation_precision", "abstention_precision", "abstention_recall",
            "supported_sentence_share", "correct_share", "ece", "latency")
    out = {k: m[k] for k in keep}
    out["rouge_l_all"] = rouge_all(pairs)
    out["supported_share_all"] = _rounded(supported_share([(q, r.answer) for q, r in pairs], answered_only=False))
    out["providers"] = dict(sorted(Counter(r.answer.provider for _, r in pairs).items()))
    out["failed_over"] = sum(bool(r.answer.fallbacks) for _, r in pairs)
    return out


def calibration_figures(runs: dict[str, list], min_share: float, settings) -> dict:
    """Shipped default on emanual (its own intercept and the default profile) and 5-fold CV over demo + emanual."""
    from assistant.calibration import Row, coverage_curve, cross_validate, label_of, reliability
    from assistant.confidence import load_calibration

    cal = load_calibration(settings)
    rows = [Row(name, q.qid, r.features, label_of(r.answer, q.relevant, q.out_of_scope, min_share))
            for name, pairs in runs.items() for q, r in pairs]
    em = [r for r in rows if r.dataset == "emanual"]
    out = {"calibration_version": cal.version, "fitted_on": cal.fitted_on, "n_emanual": len(em)}
    for key, profile in (("shipped_emanual_profile", "emanual"), ("shipped_default_profile", None)):
        conf = [cal.predict(r.features, profile) for r in em]
        labels = [r.label for r in em]
        out[key] = {"ece": round(reliability(conf, labels)[0], 4), "coverage_accuracy": coverage_curve(conf, labels),
                    "accuracy": round(float(np.mean(labels)), 4)}
    cv = cross_validate(rows, folds=5, seed=13)
    out["cv5"] = {"ece_all": cv["ece"], "ece_emanual": cv["emanual"]["ece"],
                  "coverage_accuracy_emanual": cv["emanual"]["coverage_accuracy"],
                  "ece_demo": cv.get("demo", {}).get("ece")}
    return out


def main(argv: list[str] | None = None) -> None:
    from deflectkit.app import quiet_runtime

    quiet_runtime()
    ap = argparse.ArgumentParser(prog="python -m evals.bench.answers", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--local-sample", type=int, default=25, help="Seeded sample of emanual questions for local.")
    ap.add_argument("--demo-local", type=int, default=0, help="Demo questions for local (0: all).")
    ap.add_argument("--cache-repeats", type=int, default=10, help="Local questions asked again to time cache hits.")
    ap.add_argument("--skip-local", action="store_true", help="Extractive only.")
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--json", action="store_true", help="Print all figures as one JSON object on stdout.")
    ap.add_argument("--out", type=Path, help="Also write the JSON here.")
    args = ap.parse_args(argv)

    from deflectkit.core.config import load_settings
    from evals.answer_run import answer_settings
    from evals.answers import rouge_l
    from evals.datasets import dataset_services, load_dataset

    base = load_settings()
    out: dict = {"load_before": os.getloadavg(), "cpus": os.cpu_count(), "seed": args.seed,
                 "embedding_backend": base.embedding_backend, "search_mode": base.search_mode}
    runs: dict[str, list] = {}
    for name in ("demo", "emanual"):
        ds = load_dataset(name, base)
        svc = dataset_services(ds, base)
        settings = answer_settings(ds, svc.settings)
        version = svc.catalog.active_version()
        fig = out[name] = {"profile": settings.calibration_profile, "index_version": version}
        extractive = svc.assistant("extractive", settings=settings)
        extractive.run("warm up: how do I start?", None, "extractive")  # model loads out of the timings
        _log(f"{name}: extractive over {len(ds.queries)} questions")
        runs[name] = answer_all(extractive, ds.queries, "extractive", f"{name}/extractive")
        scored = [p for p in runs[name] if p[0].category != "yes_no"]
        fig["extractive"] = summary(scored, settings.support_min_share)

        # Baselines on the same questions and index.
        lines_cache, vec_cache = {}, {}
        refs = [q for q, _ in scored if q.answer and not q.out_of_scope]
        naive = [rouge_l(q.answer, naive_draft(svc, version, q.text, lines_cache, vec_cache)) for q in refs]
        gold = [rouge_l(q.answer, " ".join(doc_lines(svc, version, q.relevant[0], lines_cache))) for q in refs
                if q.relevant]
        fig["baselines"] = {"naive_top_section_5_lines": round(float(np.mean(naive)), 4),
                            "gold_section": round(float(np.mean(gold)), 4), "n": len(refs)}
        ext = fig["extractive"]["rouge_l_all"]
        fig["ratios"] = {"extractive_vs_naive": round(ext / fig["baselines"]["naive_top_section_5_lines"], 3),
                         "extractive_vs_gold_section": round(ext / fig["baselines"]["gold_section"], 3)}

        if args.skip_local:
            continue
        local_settings = settings.model_copy(update={"llm_fallbacks": []})  # a local failure shows, not hides
        local = svc.assistant("local", settings=local_settings)
        pool = [q for q in ds.queries if q.category != "yes_no"]
        n = args.local_sample if name == "emanual" else (args.demo_local or len(pool))
        sample = sorted(random.Random(args.seed).sample(pool, min(n, len(pool))), key=lambda q: q.qid)
        local.run("warm up: how do I start?", None, "local", cache_bypass=True)  # the GGUF loads here
        _log(f"{name}: local over {len(sample)} questions")
        pairs = answer_all(local, sample, "local", f"{name}/local")
        fig["local"] = summary(pairs, settings.support_min_share)
        kept = [p for p in pairs if p[1].answer.provider == "local"]
        fig["local"]["llm_drafts_kept"] = len(kept)
        fig["local"]["rouge_l_all_kept"] = rouge_all(kept)
        same = {q.qid for q in sample}
        fig["extractive_on_local_sample"] = summary([p for p in runs[name] if p[0].qid in same],
                                                    settings.support_min_share)

        repeat = sample[: args.cache_repeats]
        again = answer_all(local, repeat, "local", f"{name}/local again", cache_bypass=False)
        fresh = [r.answer.timings["total"] for q, r in pairs if q in repeat]
        hit = [r.answer.timings["total"] for _, r in again]
        fig["cache"] = {"n": len(again), "hits": sum(r.answer.cached for _, r in again),
                        "fresh_total_p50_s": round(float(np.median(fresh)), 3),
                        "cached_total_p50_s": round(float(np.median(hit)), 3),
                        "cached_total_p95_s": round(float(np.percentile(hit, 95)), 3),
                        "speedup_p50": round(float(np.median(fresh) / np.median(hit)), 1)}

    out["calibration"] = calibration_figures(runs, base.support_min_share, base)
    out["load_after"] = os.getloadavg()
    text = json.dumps(out, indent=2, default=str)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + "\n", encoding="utf-8")
    if args.json:
        print(text)
    else:
        _print(out)


def _print(out: dict) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    for name in ("demo", "emanual"):
        fig = out[name]
        t = Table(title=f"{name}: answers (ROUGE-L on answer sentences)")
        for col in ("provider", "n", "ROUGE-L all", "supported", "citation prec.", "abst. P/R", "total p50/p95 s"):
            t.add_column(col, justify="right")
        for prov in ("extractive", "extractive_on_local_sample", "local"):
            m = fig.get(prov)
            if not m:
                continue
            lat = m["latency"].get("total", {})
            t.add_row(prov, str(m["n_answers"]), str(m["rouge_l_all"]), str(m["supported_share_all"]),
                      f"{m['citation_precision'] or 0:.3f}",
                      f"{m['abstention_precision'] or 0:.2f}/{m['abstention_recall'] or 0:.2f}",
                      f"{lat.get('p50', 0):.3f}/{lat.get('p95', 0):.3f}")
        console.print(t)
        console.print(f"baselines {fig['baselines']}  ratios {fig['ratios']}")
        if "cache" in fig:
            console.print(f"cache {fig['cache']}")
    console.print_json(data=out["calibration"])


if __name__ == "__main__":
    main()

"""`make bench`: speed figures as ratios against baselines measured in the same run.

    python -m evals.bench [--sizes 10000,100000] [--json]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from rich.console import Console
from rich.table import Table

REPO = Path(__file__).resolve().parents[2]


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m evals.bench", description=__doc__)
    ap.add_argument("--sizes", default="10000,100000", help="Chunk counts for the search-latency runs.")
    ap.add_argument("--corpus", default=str(REPO / "demo" / "helpcenter"), help="Corpus for the ingest run.")
    ap.add_argument("--skip", default="", help="Comma-separated parts to skip: ingest,search,embedding")
    ap.add_argument("--json", action="store_true", help="Print all figures as one JSON object.")
    args = ap.parse_args(argv)
    skip = set(filter(None, args.skip.split(",")))
    from deflectkit.app import start
    from deflectkit.core.config import load_settings

    start(load_settings())

    from deflectkit.core.config import Settings
    from retrieval.embedder import make_embedder

    def settings_factory(**kw):
        return Settings(_env_file=None, **kw)

    console = Console(stderr=args.json)
    out: dict = {}
    embedder = make_embedder(settings_factory())

    if "ingest" not in skip:
        from evals.bench.ingest_speed import bench_ingest

        console.print("[bold]Ingest[/bold] (demo help center, fresh data dir)…")
        r = out["ingest"] = bench_ingest(Path(args.corpus), settings_factory)
        t = Table("figure", "value")
        t.add_row("documents / chunks", f"{r['docs']} / {r['chunks']}")
        t.add_row("full ingest", f"{r['full_s']} s  ({r['chunks_per_s']} chunks/s)")
        t.add_row("unchanged re-ingest", f"{r['unchanged_s']} s = {r['unchanged_ratio']:.2%} of full "
                  f"(embedded {r['unchanged_embedded']}, new version: {r['unchanged_new_version']})")
        t.add_row("one document changed", f"{r['incremental_s']} s = {r['incremental_ratio']:.2%} of full "
                  f"(embedded {r['incremental_embedded']})")
        console.print(t)

    if "search" not in skip:
        from evals.bench.search_latency import bench_search

        sizes = [int(s) for s in args.sizes.split(",") if s]
        console.print(f"[bold]Search latency[/bold] at {sizes} synthetic chunks (query embedding included)…")
        rows = out["search"] = bench_search(sizes, settings_factory, embedder)
        t = Table("chunks", "mode", "p50 ms", "p95 ms", "index build s")
        for r in rows:
            t.add_row(f"{r['chunks']:,}", r["mode"], str(r["p50_ms"]), str(r["p95_ms"]), str(r["build_s"] or ""))
        console.print(t)

    if "embedding" not in skip:
        from evals.bench.embedding import bench_embedding

        console.print("[bold]Embedding throughput[/bold] (torch baseline vs ONNX paths; takes a while)…")
        out["embedding"] = bench_embedding(settings_factory(), repeats=1)
        console.print_json(data=out["embedding"])

    if args.json:
        print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()

"""What a shadow release costs the live path: live draft latency with and without a shadow, as ratios.

    python -m evals.bench.shadow [--tickets 30] [--rounds 3] [--json]

A fresh data dir with the demo help center; a live release and a candidate (another answer threshold,
so both draft the whole pipeline), both warmed on every question first. Each round drafts the demo
questions through `Services.answer` three ways, in rotating order so machine noise hits all alike:
no shadow; shadow with requests back to back (the shadow waits for QUIET_S without live requests, so
the queue fills and work is dropped); shadow with a pause of QUIET_S plus a typical draft between
requests (the shadow runs in the pauses, and may still be busy when the next request comes).
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]


def pct(values: list[float], q: float) -> float:
    return round(float(np.percentile(values, q)) * 1000, 1)


def run_once(svc, texts: list[str], pause_s: float) -> list[float]:
    took = []
    for text in texts:
        t0 = time.perf_counter()
        svc.answer(text)
        took.append(time.perf_counter() - t0)
        if pause_s:
            time.sleep(pause_s)
    return took


def bench_shadow(tickets: int = 30, rounds: int = 3) -> dict:
    from deflectkit.app import Services
    from deflectkit.core.config import Settings
    from evals.datasets.demo import load_demo
    from feedback.releases import new_release
    from feedback.shadow import QUIET_S

    rows, _ = load_demo(REPO)
    texts = [r["text"] for r in rows][:tickets]
    tmp = Path(tempfile.mkdtemp(prefix="deflect-bench-shadow-"))
    try:
        settings = Settings(_env_file=None, data_dir=tmp / "data", release_shadow_queue=8)
        svc = Services(settings)
        svc.ingest([REPO / "demo" / "helpcenter"])
        releases = svc.feedback.releases
        releases.create(new_release("live", settings, "1.0.0"), "bench")
        releases.create(new_release("candidate", settings.model_copy(update={"answer_threshold": 0.7}), "1.1.0"),
                        "bench")
        releases.activate("live", "bench")
        for name in ("live", "candidate"):  # warm both assistants, the models and every per-ticket cache
            for text in texts:
                svc.assistant(release=name).answer(text)
        typical = float(np.median(run_once(svc, texts, 0.0)))
        modes = {"no shadow": (None, 0.0), "shadow, back to back": ("candidate", 0.0),
                 "shadow, paced": ("candidate", QUIET_S + typical)}
        lat: dict[str, list[float]] = {m: [] for m in modes}
        before = svc.shadow.stats()
        order = list(modes)
        for r in range(rounds):
            for mode in order[r % 3:] + order[:r % 3]:  # each mode takes its turn first
                shadow, pause = modes[mode]
                releases.set_shadow(shadow, "bench")
                lat[mode] += run_once(svc, texts, pause)
                svc.shadow.drain(timeout=300)  # the next mode starts with an empty queue
        stats = svc.shadow.stats()
        base = lat["no shadow"]
        out = {"tickets": len(texts), "rounds": rounds, "typical_draft_ms": round(typical * 1000, 1), "modes": {}}
        for mode, values in lat.items():
            out["modes"][mode] = {"p50_ms": pct(values, 50), "p95_ms": pct(values, 95),
                                  "p50_ratio": round(pct(values, 50) / pct(base, 50), 3),
                                  "p95_ratio": round(pct(values, 95) / pct(base, 95), 3)}
        out["shadow"] = {"answered": stats.done - before.done, "dropped": stats.dropped - before.dropped,
                         "failed": stats.failed - before.failed,
                         "stored": len(svc.feedback.shadows.rows("candidate"))}
        return out
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m evals.bench.shadow", description=__doc__)
    ap.add_argument("--tickets", type=int, default=30, help="Demo questions per run.")
    ap.add_argument("--rounds", type=int, default=3, help="Turns of the three modes.")
    ap.add_argument("--json", action="store_true", help="Print the figures as one JSON object.")
    args = ap.parse_args(argv)
    from deflectkit.app import start
    from deflectkit.core.config import load_settings

    start(load_settings())
    out = bench_shadow(args.tickets, args.rounds)
    if args.json:
        print(json.dumps(out, indent=2))
        return
    from rich.console import Console
    from rich.table import Table

    t = Table("mode", "p50 ms", "p95 ms", "p50 vs no shadow", "p95 vs no shadow",
              title=f"Live draft latency, {out['tickets']} tickets x {out['rounds']} rounds")
    for mode, m in out["modes"].items():
        t.add_row(mode, str(m["p50_ms"]), str(m["p95_ms"]), f"{m['p50_ratio']:.2f}x", f"{m['p95_ratio']:.2f}x")
    Console().print(t)
    s = out["shadow"]
    Console().print(f"Shadow: {s['answered']} answered, {s['dropped']} dropped (queue full), {s['failed']} failed, "
                    f"{s['stored']} stored")


if __name__ == "__main__":
    main()

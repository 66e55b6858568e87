"""API figures: overhead over in-process drafting, SSE time to first event, and load at 1/8/32 clients.

    python -m evals.bench.api_load [--clients 1,8,32] [--seconds 20] [--workers 2] [--json]

Everything runs on loopback: a fresh data dir with the demo help center, `deflect api --workers N` as a
separate process, client threads that each draft a ticket and then rate it (so every feedback row can be
counted afterwards), and one re-ingest through POST /v1/ingest while the 8-client run is going.
The in-process baseline drafts the same tickets through `Services.answer` in this process.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import numpy as np

REPO = Path(__file__).resolve().parents[2]


def pct(values: list[float], q: float) -> float:
    return round(float(np.percentile(values, q)) * 1000, 1) if values else float("nan")


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def questions(limit: int) -> list[str]:
    from evals.datasets.demo import load_demo

    rows, _ = load_demo(REPO)
    return [r["text"] for r in rows][:limit]


def wait_up(url: str, proc: subprocess.Popen, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"deflect api exited: {proc.stderr.read() if proc.stderr else ''}")
        try:
            if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    raise RuntimeError("deflect api did not come up")


def load_run(url: str, key: str, texts: list[str], clients: int, seconds: float,
             during=None) -> dict:
    """`clients` threads draft and rate tickets for `seconds`; returns throughput, latencies, errors."""
    latencies: list[float] = []
    errors: list[str] = []
    rated: list[str] = []
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def client(i: int) -> None:
        with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {key}"}, timeout=120) as c:
            n = i
            while time.monotonic() < stop:
                t0 = time.perf_counter()
                try:
                    r = c.post("/v1/drafts", json={"body": texts[n % len(texts)]})
                    took = time.perf_counter() - t0
                    if r.status_code != 200:
                        raise RuntimeError(f"draft {r.status_code}")
                    rid = r.json()["request_id"]
                    f = c.post(f"/v1/drafts/{rid}/feedback", json={"thumbs": "up"})
                    if f.status_code != 200:
                        raise RuntimeError(f"feedback {f.status_code}")
                    with lock:
                        latencies.append(took)
                        rated.append(rid)
                except Exception as e:  # noqa: BLE001 - every failure is counted, none stops the run
                    with lock:
                        errors.append(str(e)[:200])
                n += clients

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    extra = during() if during else None
    for t in threads:
        t.join()
    wall = time.perf_counter() - started
    return {"clients": clients, "requests": len(latencies), "throughput_rps": round(len(latencies) / wall, 2),
            "p50_ms": pct(latencies, 50), "p95_ms": pct(latencies, 95), "p99_ms": pct(latencies, 99),
            "errors": len(errors), "error_samples": errors[:3], "rated": rated, "during": extra}


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(prog="python -m evals.bench.api_load", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--clients", default="1,8,32", help="Concurrent client counts, comma-separated.")
    ap.add_argument("--seconds", type=float, default=20.0, help="Duration of each load run.")
    ap.add_argument("--workers", type=int, default=2, help="API worker processes.")
    ap.add_argument("--samples", type=int, default=40, help="Tickets for the overhead and SSE figures.")
    ap.add_argument("--json", action="store_true", help="Print the figures as JSON on stdout.")
    args = ap.parse_args(argv)

    from deflectkit.app import Services, start
    from deflectkit.core.config import Settings

    root = Path(tempfile.mkdtemp(prefix="deflect-api-bench-"))
    data = root / "data"
    env = {**os.environ, "DEFLECT_DATA_DIR": str(data), "HF_HUB_OFFLINE": "1", "DEFLECT_API_RATE_LIMIT_PER_MINUTE":
           "1000000", "DEFLECT_API_INGEST_ROOTS": json.dumps([str(root)])}
    settings = Settings(_env_file=None, data_dir=data)
    start(settings)
    services = Services(settings)
    kb = shutil.copytree(REPO / "demo" / "helpcenter", root / "kb")
    print("ingesting the demo help center…", file=sys.stderr)
    services.ingest([kb], actor="bench")
    key = services.feedback.keys.add("bench", "draft,feedback,admin", actor="bench").key
    texts = questions(args.samples)

    # Same tickets in process, then over HTTP, each side warmed on every ticket first (the assistant
    # remembers help-center sentence vectors), then paired per ticket.
    for t in texts:
        services.answer(t)
    inproc = []
    for t in texts:
        t0 = time.perf_counter()
        services.answer(t)
        inproc.append(time.perf_counter() - t0)

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen([sys.executable, "-m", "deflectkit.cli", "api", "--port", str(port), "--workers",
                             str(args.workers)], env=env, stderr=subprocess.PIPE, text=True)
    out: dict = {"workers": args.workers, "cores": os.cpu_count()}
    try:
        wait_up(url, proc)
        headers = {"Authorization": f"Bearer {key}"}
        with httpx.Client(base_url=url, headers=headers, timeout=120) as c:
            for _ in range(args.workers):  # warm every worker on every ticket, as in process
                for t in texts:
                    c.post("/v1/drafts", json={"body": t})
            over, sse_first, sse_total = [], [], []
            for t, base in zip(texts, inproc, strict=True):
                t0 = time.perf_counter()
                c.post("/v1/drafts", json={"body": t}).raise_for_status()
                over.append((time.perf_counter() - t0) - base)
                t0 = time.perf_counter()
                with c.stream("POST", "/v1/drafts", params={"stream": "true"}, json={"body": t}) as r:
                    first = None
                    for line in r.iter_lines():
                        if first is None and line.startswith("event:"):
                            first = time.perf_counter() - t0
                    sse_first.append(first or float("nan"))
                    sse_total.append(time.perf_counter() - t0)
        out["inprocess_p50_ms"] = pct(inproc, 50)
        out["overhead_p50_ms"] = round(statistics.median(over) * 1000, 1)
        out["overhead_p95_ms"] = pct(over, 95)
        out["sse_first_event_p50_ms"] = pct(sse_first, 50)
        out["sse_answer_p50_ms"] = pct(sse_total, 50)

        def reingest():
            time.sleep(2)
            (kb / "bench-note.md").write_text("# Bench note\n\nA page added while the API is under load.\n")
            with httpx.Client(base_url=url, headers=headers, timeout=60) as c:
                job = c.post("/v1/ingest", json={"path": str(kb)}).json()
                t0 = time.perf_counter()
                while (state := c.get(f"/v1/jobs/{job['id']}").json())["status"] in ("queued", "running"):
                    time.sleep(0.5)
                return {"ingest_status": state["status"], "ingest_s": round(time.perf_counter() - t0, 1)}

        runs = []
        for n in [int(x) for x in args.clients.split(",") if x]:
            print(f"load: {n} clients for {args.seconds:.0f} s…", file=sys.stderr)
            runs.append(load_run(url, key, texts, n, args.seconds, during=reingest if n == 8 else None))
        rated = {rid for r in runs for rid in r.pop("rated")}
        stored = {f.request_id for f in services.feedback.list_feedback() if f.request_id in rated}
        out["load"] = runs
        out["feedback_rows_sent"] = len(rated)
        out["feedback_rows_stored"] = len(stored)
    finally:
        proc.terminate()
        proc.wait(30)
        shutil.rmtree(root, ignore_errors=True)
    if args.json:
        print(json.dumps(out, indent=2))
    else:
        from rich.console import Console
        from rich.table import Table

        console = Console()
        console.print(f"API overhead over in-process Assistant.answer: p50 {out['overhead_p50_ms']} ms, "
                      f"p95 {out['overhead_p95_ms']} ms (in-process p50 {out['inprocess_p50_ms']} ms)")
        console.print(f"SSE first event p50 {out['sse_first_event_p50_ms']} ms; full answer p50 "
                      f"{out['sse_answer_p50_ms']} ms")
        t = Table("clients", "req/s", "p50 ms", "p95 ms", "p99 ms", "errors", "during")
        for r in out["load"]:
            t.add_row(str(r["clients"]), str(r["throughput_rps"]), str(r["p50_ms"]), str(r["p95_ms"]),
                      str(r["p99_ms"]), str(r["errors"]), json.dumps(r["during"]) if r["during"] else "")
        console.print(t)
        console.print(f"feedback rows: {out['feedback_rows_stored']} stored of {out['feedback_rows_sent']} sent")
    return out


if __name__ == "__main__":
    main()

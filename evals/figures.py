"""`python -m evals.figures RUNS.json... --out docs/risk_coverage.png`: the README's risk-coverage plot
from `deflect eval --answers --json` outputs, one curve per dataset, the shipped threshold marked."""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def answers_of(path: Path) -> tuple[str, dict] | None:
    """(dataset, answer metrics) of the run in `path` that drafted answers, if any."""
    data = json.loads(path.read_text(encoding="utf-8"))
    runs = data if isinstance(data, list) else [data]
    # `deflect eval baselines --json` (what `make eval` writes) nests its runs under "runs" by mode.
    runs = [r for x in runs for r in ([x, *x["runs"].values()] if isinstance(x.get("runs"), dict) else [x])]
    for r in runs:
        if r.get("answers") and r["answers"].get("risk_coverage"):
            return r["dataset"], r["answers"]
    return None


def main(argv: list[str] | None = None) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from deflectkit.core.config.assistant import AssistantSettings
    from evals.report import plot_risk_coverage

    ap = argparse.ArgumentParser(prog="python -m evals.figures", description=__doc__)
    ap.add_argument("runs", nargs="+", type=Path, help="JSON printed by deflect eval --answers --json")
    ap.add_argument("--out", type=Path, required=True, help="PNG to write")
    ap.add_argument("--threshold", type=float, default=AssistantSettings.model_fields["answer_threshold"].default)
    args = ap.parse_args(argv)
    fig, ax = plt.subplots(figsize=(6.4, 4.2), dpi=110)
    for path in args.runs:
        found = answers_of(path)
        if found:
            name, a = found
            plot_risk_coverage(ax, a["risk_coverage"], label=name, mark=args.threshold)
    ax.legend(loc="upper left", fontsize=8)
    ax.set_title(f"Risk vs coverage as the answer threshold moves (shipped t = {args.threshold:g})")
    fig.tight_layout()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(args.out)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()

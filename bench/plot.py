"""Plots bench/run.py's JSON results into one PNG (bench/results/benchmarks.png):
feature-extraction real-time factor, training time per epoch, and UA with 95% intervals.

    python plot.py RESULTS_DIR

Needs matplotlib (bench/requirements.txt). Panels whose JSON is missing are left out."""
import json
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def load(d, name):
    f = Path(d, name)
    return json.load(open(f)) if f.exists() else None


def features_panel(ax, feats):
    rows = [r for r in feats["results"] if "peer_result" in r]
    labels = [f"{r['set']}\n{r['corpus']}" for r in rows]
    x = range(len(rows))
    w = 0.4
    ax.bar([i - w / 2 for i in x], [r["serlab"]["rtf"] for r in rows], w, label="serlab")
    ax.bar([i + w / 2 for i in x], [r["peer_result"]["rtf"] for r in rows], w,
           label="librosa / openSMILE")
    ax.set_yscale("log")
    ax.set_xticks(list(x), labels, fontsize=7)
    ax.set_ylabel("x real time (higher is faster)")
    ax.set_title(f"Feature extraction, {feats['meta']['threads']} thread(s)")
    ax.legend(fontsize=7)


def training_panel(ax, tr):
    rows = [r for r in tr["results"] if "serlab" in r or "pytorch" in r]
    x = range(len(rows))
    w = 0.4
    ax.bar([i - w / 2 for i in x], [r.get("serlab", {}).get("epoch_s", 0) for r in rows], w,
           label="serlab-nn")
    ax.bar([i + w / 2 for i in x], [r.get("pytorch", {}).get("epoch_s", 0) for r in rows], w,
           label="PyTorch (CPU)")
    ax.set_xticks(list(x), [r["model"] for r in rows])
    ax.set_ylabel("seconds per epoch (lower is faster)")
    ax.set_title(f"Training, 640 samples, {tr['meta']['threads']} thread(s)")
    ax.legend(fontsize=7)


def accuracy_panel(ax, acc):
    names, ua, lo, hi, colors = [], [], [], [], []
    for exp, e in acc["experiments"].items():
        for sysid, s in e["systems"].items():
            names.append(f"{exp}:{sysid}")
            ua.append(s["ua"])
            lo.append(s["ua"] - s["ua_ci95_speaker"][0])
            hi.append(s["ua_ci95_speaker"][1] - s["ua"])
            colors.append("C0")
    for corpus, p in acc["peers"].items():
        for sysid, s in p["systems"].items():
            names.append(f"{corpus}:{sysid}")
            ua.append(s["ua"])
            lo.append(s["ua"] - s["ua_ci95_speaker"][0])
            hi.append(s["ua_ci95_speaker"][1] - s["ua"])
            colors.append("C1")
    y = range(len(names))
    ax.barh(list(y), ua, xerr=[lo, hi], color=colors, capsize=2)
    ax.set_yticks(list(y), names, fontsize=6)
    ax.invert_yaxis()
    ax.set_xlabel("UA (95% interval, speakers resampled)")
    ax.set_title("Accuracy: serlab (blue) vs peers (orange)")


def main():
    d = sys.argv[1]
    panels = [(p, load(d, f)) for p, f in [(features_panel, "features.json"),
                                           (training_panel, "training.json"),
                                           (accuracy_panel, "accuracy.json")]]
    panels = [(p, v) for p, v in panels if v]
    if not panels:
        sys.exit("plot: no results JSON in " + d)
    fig, axes = plt.subplots(1, len(panels), figsize=(6 * len(panels), 5), squeeze=False)
    for ax, (panel, data) in zip(axes[0], panels):
        panel(ax, data)
    fig.tight_layout()
    out = Path(d, "benchmarks.png")
    fig.savefig(out, dpi=110)
    print(f"plot: {out}")


if __name__ == "__main__":
    main()

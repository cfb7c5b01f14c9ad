#!/usr/bin/env python3
"""Markdown tables from bench/run.py's JSON results (the tables of BENCHMARKS.md).

    python3 bench/tables.py [RESULTS_DIR]                    # print all (default bench/results)
    python3 bench/tables.py --fill BENCHMARKS.md [RESULTS_DIR]

Standard library only. Every number comes from the JSON files. `--fill` rewrites, in place,
each block of FILE between `<!-- table:NAME -->` and `<!-- /table -->` (NAME: features,
agreement, training, accuracy) with the fresh table."""
import contextlib
import io
import json
import re
import sys
from pathlib import Path


def load(d, name):
    f = Path(d, name)
    return json.load(open(f)) if f.exists() else None


def ci(c):
    return f"[{c[0]:.3f}, {c[1]:.3f}]" if c else "-"


def features(f):
    m = f["meta"]
    print(f"Threads / processes per side: {m['threads']}. Command: `{m['command']}` "
          f"(serlab commit {m['machine']['serlab_commit']}, {m['machine']['date']}).\n")
    print("| corpus | set | files | audio s | serlab s | serlab x RT | serlab CPU s | serlab MiB | "
          "peer | peer s | peer x RT | peer CPU s | peer MiB | speed ratio | CPU ratio | "
          "memory ratio | load (1 min) |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---|")
    for r in f["results"]:
        s, p = r["serlab"], r.get("peer_result")
        peer = (f"{r['peer']} | {p['wall_s']:.2f} | {p['rtf']:.0f} | {p['cpu_s']:.2f} | "
                f"{p['peak_rss_mib']:.0f} | {r['speedup']:.1f}x | {r.get('cpu_ratio', 0):.1f}x | "
                f"{r['memory_ratio']:.1f}x" if p else f"{r['peer']} | - | - | - | - | - | - | -")
        load = f"{s['loadavg'][0][0]}" + (f" / {p['loadavg'][0][0]}" if p else "")
        print(f"| {r['corpus']} | {r['set']} ({r['serlab_extractor']}) | {s['files']} | "
              f"{s['audio_s']:.0f} | {s['wall_s']:.2f} | {s['rtf']:.0f} | {s['cpu_s']:.2f} | "
              f"{s['peak_rss_mib']:.0f} | {peer} | {load} |")
    print("\nspeed ratio = peer wall / serlab wall (above 1: serlab faster); CPU ratio = the "
          "same with CPU seconds (user + system, all threads; less sensitive to other load on "
          "the machine); memory ratio = "
          "peer peak RSS / serlab peak RSS (above 1: serlab smaller). serlab wall = decoding "
          "+ resampling + extraction (`bench-features` rows `decode@16000` + the extractor); "
          "the peer's wall covers the same work per file.\n")


def agreement(f):
    ag = f.get("agreement")
    if ag:
        print("| corpus | input | feature | values | max abs diff | mean abs diff | "
              "99th pct abs diff | correlation | reference range | frame-count mismatches |")
        print("|---|---|---|---:|---:|---:|---:|---:|---|---:|")
        for corpus, v in ag.items():
            if corpus == "method":
                continue
            for variant in ("16k", "native"):
                for fs, s in v[variant].items():
                    print(f"| {corpus} | {variant} | {fs} | {s['values']} | {s['max_abs']:.3g} | "
                          f"{s['mean_abs']:.3g} | {s['p99_abs']:.3g} | {s['corr']:.6f} | "
                          f"[{s['ref_range'][0]:.1f}, {s['ref_range'][1]:.1f}] | "
                          f"{s['frame_count_mismatches']} / {s['utterances']} |")
        print(f"\n{ag['method']}.\n")


def training(t):
    m = t["meta"]
    print(f"Threads per side: {m['threads']}. Command: `{m['command']}`.\n")
    print("| model | input (batch, frames, dim) | batches | serlab-nn s/epoch (CPU s) | serlab MiB | "
          "PyTorch s/epoch (CPU s) | PyTorch MiB | wall ratio | CPU-time ratio | memory ratio | "
          "load (1 min) |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for r in t["results"]:
        s, p = r.get("serlab"), r.get("pytorch")
        ref = s or p
        shape = f"({ref['batch']}, {ref['frames']}, {ref['dim']})"
        cell = lambda x, k, fmt: format(x[k], fmt) if x else "-"  # noqa: E731
        load = " / ".join(str(x["loadavg"][0][0]) for x in (s, p) if x)
        both = lambda x: (f"{x['epoch_s']:.2f} ({x['epoch_cpu_s']:.2f})"  # noqa: E731
                          if x and x.get("epoch_cpu_s") else cell(x, "epoch_s", ".2f"))
        print(f"| {r['model']} | {shape} | {ref['batches']} | {both(s)} | "
              f"{cell(s, 'peak_rss_mib', '.0f')} | {both(p)} | "
              f"{cell(p, 'peak_rss_mib', '.0f')} | {r.get('speedup', '-')}x | "
              f"{r.get('cpu_speedup', '-')}x | {r.get('memory_ratio', '-')}x | {load} |")
    print("\nwall ratio = PyTorch / serlab wall seconds per epoch; CPU-time ratio = the same "
          "with process CPU time (above 1: serlab faster).\n")


def accuracy(a):
    m = a["meta"]
    print(f"Command: `{m['command']}`.\n")
    print("| corpus | side | experiment / system | UA | 95% CI (speakers) | "
          "95% CI (utterances) | WA | n |")
    print("|---|---|---|---:|---|---|---:|---:|")
    rows = []
    for exp, e in a["experiments"].items():
        for sid, s in e["systems"].items():
            rows.append((e["corpus"], "serlab", f"{exp} / {sid}", s))
    for corpus, p in a["peers"].items():
        for sid, s in p["systems"].items():
            rows.append((corpus, "peer", sid, s))
    for corpus, side, name, s in sorted(rows, key=lambda r: (r[0], r[1] != "serlab")):
        print(f"| {corpus} | {side} | {name} | {s['ua']:.3f} | {ci(s['ua_ci95_speaker'])} | "
              f"{ci(s['ua_ci95_utterance'])} | {s['wa']:.3f} | {s['n']} |")
    print()
    for exp, e in a["experiments"].items():
        if e.get("source"):
            print(f"- `{exp}`: {e['command']}")
        else:
            print(f"- `{exp}`: `{e['command']}` ({e['wall_s']:.0f} s, load {e['loadavg'][0][0]})")
    for corpus, p in a["peers"].items():
        took = f" ({p['wall_s']:.0f} s)" if p.get("wall_s") else ""
        print(f"- peers on {corpus}: `{p['command']}`{took}")
    print()


SECTIONS = {"features": ("features.json", features), "agreement": ("features.json", agreement),
            "training": ("training.json", training), "accuracy": ("accuracy.json", accuracy)}


def render(d, name):
    file, fn = SECTIONS[name]
    data = load(d, file)
    if not data:
        return f"(no {file} in {d})\n"
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        fn(data)
    return buf.getvalue()


def main():
    args = sys.argv[1:]
    fill = None
    if args[:1] == ["--fill"]:
        fill, args = args[1], args[2:]
    d = args[0] if args else str(Path(__file__).parent / "results")
    if fill:
        text = Path(fill).read_text()
        pat = re.compile(r"(<!-- table:(\w+) -->\n).*?(<!-- /table -->)", re.S)
        text = pat.sub(lambda m: m.group(1) + render(d, m.group(2)) + m.group(3), text)
        Path(fill).write_text(text)
        return
    for name in SECTIONS:
        print(f"### {name}\n")
        print(render(d, name))


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""serlab side by side with the Python tools people use today, on the same corpus, on the
same machine, in one go; prints ratios and writes JSON under bench/results/.

    python3 bench/run.py [--part features|training|accuracy|all] [--tiny] [--threads N]

Parts:
  features  log-mel, MFCC, eGeMAPS-like vs openSMILE eGeMAPSv02, ComParE-like vs openSMILE
            ComParE_2016 on EmoDB and RAVDESS (cut): wall time, real-time factor, peak memory
            (each side in its own process, `wait4` rusage), serlab then the peer, back to back,
            same thread / process count; plus numeric agreement of serlab's log-mel and MFCC
            with librosa on real files (`serlab features` HDF5 export vs librosa).
  training  one epoch of the CNN with attention and the LSTM, serlab-nn
            (plugins/neural/examples/nn_epoch.rs) vs PyTorch (bench/nn_epoch.py): seconds per
            epoch (wall and process CPU time) and peak memory.
  accuracy  every shipped forest experiment on the shared corpora (`serlab run`) beside the
            peers (bench/peers/accuracy.py on the same speaker folds); UA / WA and two 95%
            bootstrap intervals of UA computed here, by the same code, from both sides'
            per-utterance predictions (speakers resampled, serlab's default, and utterances).

Only the standard library is needed for the serlab side: without a peers interpreter
(`--peers-python`, $SERLAB_BENCH_PYTHON, or bench/.venv from bench/setup.sh) the peers, the
agreement check and the plot are skipped with a message (`--serlab-only` forces that). The
`--tiny` mode (6 files, a 4-speaker sub-corpus, no training part unless asked) keeps the whole
thing working in CI: about 2 s for the serlab side, 25-60 s with the peers (mostly Python
imports); it writes to a temporary folder unless `--out` is given. tui/tests/bench_smoke.rs
runs `--tiny --serlab-only` on every `cargo test`.

Benchmarks, not tests: nothing here asserts a speed. The machine's load average is recorded
with every measurement because wall times on a shared machine include other people's work.
"""
import argparse
import json
import os
import platform
import random
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent

# (label, serlab extractor, peer set of bench/peers/features.py)
FEATURE_PAIRS = [
    ("log-mel", "log-mel", "librosa-logmel"),
    ("mfcc", "mfcc", "librosa-mfcc"),
    ("egemaps", "egemaps-like", "opensmile-egemaps"),
    ("compare", "compare-like", "opensmile-compare"),
]
# Shipped experiments on the shared corpora that `--part accuracy` runs (the neural ones take
# hours on 2 cores; `--neural` adds them).
FOREST_EXPERIMENTS = ["emodb-forest", "emodb-egemaps-forest", "emodb-compare-forest",
                      "ravdess-forest"]
NEURAL_EXPERIMENTS = ["emodb-mlp", "emodb-cnn", "emodb-lstm", "emodb-fusion", "ravdess-cnn-multitask"]
CORPUS_OF = {"emodb": "emodb", "ravdess": "ravdess"}


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def loadavg():
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


def measure(cmd, env=None, cwd=None):
    """Run `cmd` as a child; returns (stdout, stderr, wall seconds, peak RSS MiB, load before,
    load after). Peak RSS is the child's own `ru_maxrss` from wait4 (Linux: its largest
    resident set, or a waited-for descendant's if larger)."""
    before = loadavg()
    t0 = time.perf_counter()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        p = subprocess.Popen(cmd, stdout=out, stderr=err, env=env, cwd=cwd)
        _, status, ru = os.wait4(p.pid, 0)
        p.returncode = os.waitstatus_to_exitcode(status)
        wall = time.perf_counter() - t0
        out.seek(0)
        err.seek(0)
        so, se = out.read().decode(errors="replace"), err.read().decode(errors="replace")
    if p.returncode != 0:
        raise RuntimeError(f"command failed ({p.returncode}): {shlex.join(map(str, cmd))}\n{se[-3000:]}")
    return so, se, wall, round(ru.ru_maxrss / 1024, 1), before, loadavg()


def machine():
    cpu = platform.processor() or "unknown"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = None
    try:
        for line in open("/proc/meminfo"):
            if line.startswith("MemTotal"):
                mem = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    try:
        rev = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
                             capture_output=True, text=True).stdout.strip()
    except OSError:
        rev = None
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_gib": mem,
            "os": platform.platform(), "python": platform.python_version(),
            "serlab_commit": rev, "date": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
            "loadavg_at_start": loadavg()}


# ---------------------------------------------------------------------------------------
# Corpora: the same file lists as serlab's loaders (bench/peers/corpus.py mirrors them).

EMODB_RE = re.compile(r"^(\d\d)[a-z]\d\d([WLEAFTN])[a-z]\.wav$")


def corpus_files(name, root):
    """[(path, label code, speaker)] of a shared corpus folder, stdlib only."""
    root = Path(root)
    if name == "emodb":
        out = []
        for p in sorted((root / "wav").glob("*.wav")):
            m = EMODB_RE.match(p.name)
            if m:
                out.append((p, m.group(2), m.group(1)))
        return out
    out = []
    for p in sorted(root.glob("Actor_*/*.wav")):
        f = p.stem.split("-")
        out.append((p, f[2], f[6]))
    return out


def tiny_corpus(name, root, dest, speakers=4):
    """A sub-corpus of symlinks in serlab's layout: the first `speakers` speakers, one file
    per class each, so speaker-independent folds still have train, validation and test."""
    files = corpus_files(name, root)
    spk = sorted({s for _, _, s in files})[:speakers]
    seen, keep = set(), []
    for p, c, s in files:
        if s in spk and (s, c) not in seen:
            seen.add((s, c))
            keep.append(p)
    for p in keep:
        rel = p.relative_to(root)
        (dest / rel).parent.mkdir(parents=True, exist_ok=True)
        os.symlink(p, dest / rel)
    return dest


# ---------------------------------------------------------------------------------------
# Features.

ROW_RE = re.compile(r"^(\S+)\s+(\d+)\s+(\d+)\s+([\d.]+)\s+([\d.]+)\s+\(([\d.]+)\)\s+(\d+)\s+(\S+)\s+(\S+)$")


def parse_bench_features(text):
    """Rows of `serlab bench-features`' table (tui/src/bench.rs `render`)."""
    rows = {}
    for line in text.splitlines():
        m = ROW_RE.match(line.strip())
        if m:
            rows[m.group(1)] = {"rate": int(m.group(2)), "files": int(m.group(3)),
                                "audio_s": float(m.group(4)), "best_s": float(m.group(5)),
                                "median_s": float(m.group(6)),
                                "cpu_s": None if m.group(8) == "-" else float(m.group(8))}
    return rows


def bench_features(a, corpora, tmp):
    results = []
    for cname, root in corpora.items():
        for label, ext, peer in FEATURE_PAIRS:
            if a.sets and label not in a.sets:
                continue
            rec = {"corpus": cname, "set": label, "serlab_extractor": ext, "peer": peer,
                   "threads": a.threads}
            cmd = [a.serlab, "bench-features", "--corpus", str(root), "--extractor", ext,
                   "--threads", str(a.threads), "--repeat", "1"]
            if a.limit:
                cmd += ["--limit", str(a.limit)]
            so, _, wall, rss, l0, l1 = measure(cmd)
            rows = parse_bench_features(so)
            dec = next(v for k, v in rows.items() if k.startswith("decode@"))
            ex = rows[ext]
            work = dec["best_s"] + ex["best_s"]
            rec["serlab"] = {"command": shlex.join(map(str, cmd)), "files": ex["files"],
                             "audio_s": ex["audio_s"], "decode_s": dec["best_s"],
                             "extract_s": ex["best_s"], "wall_s": round(work, 4),
                             "rtf": round(ex["audio_s"] / work, 1),
                             "cpu_s": round((dec["cpu_s"] or 0) + (ex["cpu_s"] or 0), 4),
                             "process_wall_s": round(wall, 3), "peak_rss_mib": rss,
                             "loadavg": [l0, l1]}
            if a.peers_python:
                pcmd = [a.peers_python, str(HERE / "peers" / "features.py"), peer, cname,
                        str(root), "--procs", str(a.threads)]
                if a.limit:
                    pcmd += ["--limit", str(a.limit)]
                so, _, wall, rss, l0, l1 = measure(pcmd)
                pr = json.loads(so.strip().splitlines()[-1])
                rec["peer_result"] = {"command": shlex.join(map(str, pcmd)), "files": pr["files"],
                                      "audio_s": pr["audio_s"], "wall_s": pr["wall_s"],
                                      "rtf": pr["rtf"], "cpu_s": pr.get("cpu_s"),
                                      "process_wall_s": round(wall, 3),
                                      "peak_rss_mib": rss, "loadavg": [l0, l1]}
                rec["speedup"] = round(pr["wall_s"] / rec["serlab"]["wall_s"], 2)
                if pr.get("cpu_s") and rec["serlab"]["cpu_s"]:
                    rec["cpu_ratio"] = round(pr["cpu_s"] / rec["serlab"]["cpu_s"], 2)
                rec["memory_ratio"] = round(rss / rec["serlab"]["peak_rss_mib"], 2)
            results.append(rec)
            s = rec["serlab"]
            line = (f"features {cname:7} {label:8} serlab {s['wall_s']:8.2f} s "
                    f"({s['rtf']:7.1f}x RT, {s['peak_rss_mib']:6.0f} MiB)")
            if "peer_result" in rec:
                p = rec["peer_result"]
                line += (f" | {peer:18} {p['wall_s']:8.2f} s ({p['rtf']:7.1f}x RT, "
                         f"{p['peak_rss_mib']:6.0f} MiB) | peer/serlab: time {rec['speedup']:.2f}, "
                         f"memory {rec['memory_ratio']:.2f}")
            print(line + f"  [load {s['loadavg'][0][0]}]", flush=True)
    return results


AGREEMENT_TOML = """[experiment]
name = "bench-agreement"
output = "{out}"

[corpus]
kind = "{kind}"
path = "{path}"

[protocol]
kind = "leave-one-speaker-out"

[features.log-mel]
extractor = "log-mel"

[features.mfcc]
extractor = "mfcc"

[models.forest]
model = "random-forest"
features = "mfcc"
"""


def agreement(a, corpora, tmp):
    """serlab's log-mel and MFCC against librosa on real files: end to end (each side decodes
    and resamples itself) and on 16 kHz copies (no resampling: the feature maths alone)."""
    if not a.peers_python:
        return None
    out = {}
    n = 3 if a.tiny else a.agreement_files
    for cname, root in corpora.items():
        work = tmp / f"agree-{cname}"
        prep = [a.peers_python, str(HERE / "peers" / "agreement.py"), "prepare", cname,
                str(root), str(work), "--files", str(n)]
        measure(prep)
        out[cname] = {"files": n}
        h5s = []
        for variant in ("native", "16k"):
            exp = work / f"{variant}.toml"
            exp.write_text(AGREEMENT_TOML.format(out=work / "runs", kind=cname,
                                                 path=work / variant))
            h5s.append(work / f"{variant}.h5")
            measure([a.serlab, "features", str(exp), "--out", str(h5s[-1]), "--no-cache",
                     "--quiet"])
        cmp = [a.peers_python, str(HERE / "peers" / "agreement.py"), "compare", *map(str, h5s)]
        so, *_ = measure(cmp)
        out[cname].update(json.loads(so.strip().splitlines()[-1]))
        for variant in ("native", "16k"):
            for fs, v in out[cname][variant].items():
                print(f"agreement {cname:7} {variant:6} {fs:7} vs librosa: max |diff| "
                      f"{v['max_abs']:.4g}, mean |diff| {v['mean_abs']:.4g}, "
                      f"corr {v['corr']:.6f} ({v['values']} values)", flush=True)
    out["method"] = ("serlab features EXP --out H5 --no-cache; bench/peers/agreement.py compares "
                     "every frame with librosa 0.11 at serlab's defaults; 'native' = the corpus "
                     "files (each side resamples), '16k' = 16 kHz PCM copies (no resampling)")
    return out


# ---------------------------------------------------------------------------------------
# Training.

def bench_training(a):
    results = []
    for model in ("cnn", "lstm"):
        rec = {"model": model, "threads": a.threads}
        if a.nn_epoch and Path(a.nn_epoch).exists():
            cmd = [a.nn_epoch, model, str(a.threads)]
            so, _, wall, rss, l0, l1 = measure(cmd)
            r = json.loads(so.strip().splitlines()[-1])
            rec["serlab"] = {**r, "command": shlex.join(map(str, cmd)), "peak_rss_mib": rss,
                             "loadavg": [l0, l1]}
        else:
            log(f"training: no nn_epoch example at {a.nn_epoch}: build it with "
                "`cargo build --release -p serlab-neural --example nn_epoch`")
        if a.torch_python:
            cmd = [a.torch_python, str(HERE / "nn_epoch.py"), model, str(a.threads)]
            so, _, wall, rss, l0, l1 = measure(cmd)
            r = json.loads(so.strip().splitlines()[-1])
            rec["pytorch"] = {**r, "command": shlex.join(map(str, cmd)), "peak_rss_mib": rss,
                              "loadavg": [l0, l1]}
        if "serlab" in rec and "pytorch" in rec:
            rec["speedup"] = round(rec["pytorch"]["epoch_s"] / rec["serlab"]["epoch_s"], 2)
            rec["memory_ratio"] = round(rec["pytorch"]["peak_rss_mib"]
                                        / rec["serlab"]["peak_rss_mib"], 2)
            if rec["serlab"].get("epoch_cpu_s") and rec["pytorch"].get("epoch_cpu_s"):
                rec["cpu_speedup"] = round(rec["pytorch"]["epoch_cpu_s"]
                                           / rec["serlab"]["epoch_cpu_s"], 2)
        results.append(rec)
        parts = [f"training {model:5}"]
        for side in ("serlab", "pytorch"):
            if side in rec:
                parts.append(f"{side} {rec[side]['epoch_s']:.2f} s/epoch "
                             f"({rec[side]['peak_rss_mib']:.0f} MiB)")
        if "speedup" in rec:
            parts.append(f"PyTorch/serlab: time {rec['speedup']:.2f}, "
                         + (f"CPU time {rec['cpu_speedup']:.2f}, " if "cpu_speedup" in rec else "")
                         + f"memory {rec['memory_ratio']:.2f}")
        print(" | ".join(parts), flush=True)
    return results


# ---------------------------------------------------------------------------------------
# Accuracy.

def ua_wa(rows):
    """rows: [(speaker, label, predicted)] -> (UA, WA); UA over the classes present."""
    total, hit = {}, {}
    for _, y, p in rows:
        total[y] = total.get(y, 0) + 1
        hit[y] = hit.get(y, 0) + (y == p)
    ua = sum(hit[c] / total[c] for c in total) / len(total)
    return ua, sum(hit.values()) / len(rows)


def bootstrap_ua(rows, unit, n=1000, seed=0):
    """95% percentile interval of UA, resampling whole speakers or single utterances."""
    rng = random.Random(seed)
    if unit == "speaker":
        by = {}
        for r in rows:
            by.setdefault(r[0], []).append(r)
        groups = list(by.values())
    else:
        groups = [[r] for r in rows]
    vals = []
    for _ in range(n):
        pick = [groups[rng.randrange(len(groups))] for _ in groups]
        vals.append(ua_wa([r for g in pick for r in g])[0])
    vals.sort()
    return [round(vals[int(0.025 * (n - 1))], 4), round(vals[int(0.975 * (n - 1))], 4)]


def scores(rows, n_boot):
    ua, wa = ua_wa(rows)
    return {"ua": round(ua, 4), "wa": round(wa, 4), "n": len(rows),
            "ua_ci95_speaker": bootstrap_ua(rows, "speaker", n_boot),
            "ua_ci95_utterance": bootstrap_ua(rows, "utterance", n_boot)}


def read_predictions(path, system_col="system"):
    import csv
    out = {}
    with open(path, newline="") as f:
        for r in csv.DictReader(f):
            out.setdefault(r[system_col], []).append((r["speaker"], r["label"], r["predicted"]))
    return out


def bench_accuracy(a, corpora, tmp):
    results = {"experiments": {}, "peers": {}}
    names = list(FOREST_EXPERIMENTS) + (NEURAL_EXPERIMENTS if a.neural else [])
    if a.tiny:
        names = ["emodb-forest", "ravdess-forest"]
    given = {spec.partition("=")[0] for spec in a.existing_run}
    names = [n for n in names if n not in given]  # a finished run folder is not re-run
    folds_of = {}
    env = dict(os.environ)
    for cname, root in corpora.items():
        env["SERLAB_EMODB" if cname == "emodb" else "SERLAB_RAVDESS"] = str(root)
    for name in names:
        cname = name.split("-")[0]
        if cname not in corpora:
            continue
        exp = REPO / "experiments" / f"{name}.toml"
        run_dir = tmp / "runs" / name
        cmd = [a.serlab, "run", str(exp), "--output", str(run_dir), "--quiet"]
        _, _, wall, rss, l0, l1 = measure(cmd, env=env, cwd=tmp)
        res = json.load(open(run_dir / "results.json"))
        preds = read_predictions(run_dir / "predictions.csv")
        systems = {}
        for sysid in res["systems"]:
            if sysid not in preds:
                continue
            s = scores(preds[sysid], a.bootstrap)
            ci = res["pooled"][sysid].get("ua_ci")
            s["serlab_reported_ua_ci"] = ci
            systems[sysid] = s
            print(f"accuracy {name:22} {sysid:10} UA {s['ua']:.3f} "
                  f"{s['ua_ci95_speaker']} (speakers) {s['ua_ci95_utterance']} (utterances) "
                  f"WA {s['wa']:.3f}", flush=True)
        results["experiments"][name] = {
            "corpus": cname, "command": shlex.join(map(str, cmd)),
            "wall_s": round(wall, 1), "peak_rss_mib": rss, "loadavg": [l0, l1],
            "utterances": res["corpus"]["utterances"], "folds": len(res["folds"]),
            "systems": systems}
        folds_of.setdefault(cname, run_dir / "results.json")
    for spec in a.existing_run:
        name, _, d = spec.partition("=")
        d = Path(d)
        res = json.load(open(d / "results.json"))
        if res.get("status") != "finished":
            log(f"accuracy: {d} is {res.get('status')}, not finished: left out")
            continue
        preds = read_predictions(d / "predictions.csv")
        systems = {}
        for sysid in res["systems"]:
            if sysid in preds:
                systems[sysid] = scores(preds[sysid], a.bootstrap)
                systems[sysid]["serlab_reported_ua_ci"] = res["pooled"][sysid].get("ua_ci")
                s = systems[sysid]
                print(f"accuracy {name:22} {sysid:10} UA {s['ua']:.3f} "
                      f"{s['ua_ci95_speaker']} (speakers) {s['ua_ci95_utterance']} (utterances) "
                      f"WA {s['wa']:.3f}  [existing run {d}]", flush=True)
        folds_of.setdefault(name.split("-")[0], d / "results.json")
        results["experiments"][name] = {
            "corpus": name.split("-")[0], "command": f"existing run folder {d} (not re-run)",
            "source": str(d), "wall_s": None, "peak_rss_mib": None, "loadavg": None,
            "utterances": res["corpus"]["utterances"], "folds": len(res["folds"]),
            "systems": systems}
    if not a.peers_python:
        log("accuracy: no peers interpreter; peers skipped")
        return results
    existing_peers = dict(spec.split("=", 1) for spec in a.existing_peers)
    for cname, folds in folds_of.items():
        if a.peers_corpus and cname not in a.peers_corpus:
            log(f"accuracy: peers on {cname} not asked for (--peers-corpus)")
            continue
        pred = tmp / f"peers-{cname}.csv"
        cmd = [a.peers_python, str(HERE / "peers" / "accuracy.py"), cname, str(corpora[cname]),
               "--folds-from", str(folds), "--predictions", str(pred)]
        if a.tiny:
            cmd.append("--no-cache")
        if cname in existing_peers:
            pred = Path(existing_peers[cname])
            wall = rss = l0 = l1 = None
            cmd = ["(predictions of an earlier run of)"] + cmd[:-1] + [str(pred)]
        else:
            _, _, wall, rss, l0, l1 = measure(cmd)
        systems = {}
        for sysid, rows in read_predictions(pred).items():
            systems[sysid] = scores(rows, a.bootstrap)
            s = systems[sysid]
            print(f"accuracy {cname + ' peers':22} {sysid:22} UA {s['ua']:.3f} "
                  f"{s['ua_ci95_speaker']} (speakers) {s['ua_ci95_utterance']} (utterances) "
                  f"WA {s['wa']:.3f}", flush=True)
        results["peers"][cname] = {"command": shlex.join(map(str, cmd)),
                                   "folds_from": str(folds),
                                   "wall_s": None if wall is None else round(wall, 1),
                                   "peak_rss_mib": rss, "loadavg": [l0, l1],
                                   "systems": systems}
    return results


# ---------------------------------------------------------------------------------------

def has_modules(python, modules):
    return subprocess.run([python, "-c", "import " + ", ".join(modules)],
                          capture_output=True).returncode == 0


def peer_versions(a):
    """Versions of the peer packages, as their interpreters import them."""
    out = {}
    for py, mods in [(a.peers_python, ["librosa", "opensmile", "sklearn", "numpy", "scipy"]),
                     (a.torch_python, ["torch"])]:
        if not py:
            continue
        code = ("import json, importlib; print(json.dumps({m: importlib.import_module(m)"
                f".__version__ for m in {mods!r}}}))")
        r = subprocess.run([py, "-c", code], capture_output=True, text=True)
        if r.returncode == 0:
            out.update(json.loads(r.stdout))
    return out


def find_python(explicit, modules):
    cands = [explicit, os.environ.get("SERLAB_BENCH_PYTHON"), str(HERE / ".venv" / "bin" / "python")]
    for c in cands:
        if c and Path(c).exists():
            if has_modules(c, modules):
                return c
            if c == explicit:
                sys.exit(f"error: {c} cannot import {', '.join(modules)}")
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--part", choices=["features", "training", "accuracy", "all"], default="all")
    ap.add_argument("--tiny", action="store_true",
                    help="a few files and a 4-speaker sub-corpus: a smoke run of seconds")
    ap.add_argument("--threads", type=int, default=1,
                    help="threads for serlab, processes / threads for the peers (default 1)")
    ap.add_argument("--corpus", action="append", choices=["emodb", "ravdess"],
                    help="corpora to use (default: both that are found)")
    ap.add_argument("--set", dest="sets", action="append",
                    choices=[p[0] for p in FEATURE_PAIRS], help="feature sets (default: all)")
    ap.add_argument("--limit", type=int, default=0, help="files per corpus for features")
    ap.add_argument("--agreement-files", type=int, default=30)
    ap.add_argument("--bootstrap", type=int, default=1000)
    ap.add_argument("--neural", action="store_true",
                    help="accuracy: also run the neural experiments (hours on 2 cores)")
    ap.add_argument("--existing-run", action="append", default=[], metavar="NAME=RUN_DIR",
                    help="accuracy: also score a finished run folder of experiment NAME "
                         "(e.g. a neural run made elsewhere) with the same code")
    ap.add_argument("--existing-peers", action="append", default=[], metavar="CORPUS=CSV",
                    help="accuracy: score the peers from a predictions CSV that "
                         "bench/peers/accuracy.py --predictions wrote, instead of re-running it")
    ap.add_argument("--peers-corpus", action="append", choices=["emodb", "ravdess"],
                    help="accuracy: run the peers on these corpora only (default: all)")
    ap.add_argument("--serlab", help="serlab binary (default: $CARGO_TARGET_DIR or target, release)")
    ap.add_argument("--nn-epoch", help="nn_epoch example binary (default: next to serlab)")
    ap.add_argument("--peers-python", help="Python with librosa, opensmile, scikit-learn, h5py")
    ap.add_argument("--torch-python", help="Python with torch (default: the peers' if it has it)")
    ap.add_argument("--serlab-only", action="store_true", help="no Python peers")
    ap.add_argument("--out", help="results folder (default bench/results; --tiny: a temp folder)")
    ap.add_argument("--keep", action="store_true", help="keep the scratch folder")
    a = ap.parse_args()

    target = Path(os.environ.get("CARGO_TARGET_DIR", REPO / "target"))
    a.serlab = a.serlab or str(target / "release" / "serlab")
    if not Path(a.serlab).exists():
        sys.exit(f"error: no serlab binary at {a.serlab}: run `cargo build --release --workspace` "
                 "or pass --serlab")
    a.serlab = str(Path(a.serlab).resolve())
    a.nn_epoch = a.nn_epoch or str(Path(a.serlab).parent / "examples" / "nn_epoch")
    if a.serlab_only:
        a.peers_python = a.torch_python = None
    else:
        a.peers_python = find_python(a.peers_python, ["librosa", "opensmile", "sklearn", "h5py"])
        tp = a.torch_python
        a.torch_python = (find_python(tp, ["torch"]) if tp else
                          (a.peers_python if a.peers_python and has_modules(a.peers_python, ["torch"])
                           else None))
        if not a.peers_python:
            log("no Python peers found (bench/setup.sh makes bench/.venv; or --peers-python): "
                "running the serlab side only")
    shared = REPO.parent / "shared" / "data"
    found = {"emodb": os.environ.get("SERLAB_EMODB") or shared / "emodb",
             "ravdess": os.environ.get("SERLAB_RAVDESS") or shared / "ravdess-cut"}
    corpora = {k: Path(v).resolve() for k, v in found.items()
               if (not a.corpus or k in a.corpus) and corpus_files(k, v)}
    if not corpora:
        print("SKIPPED: no shared corpus found (set SERLAB_EMODB / SERLAB_RAVDESS)")
        return
    tmp = Path(tempfile.mkdtemp(prefix="serlab-bench-"))
    if a.tiny:
        if not a.corpus:  # EmoDB alone unless asked
            corpora = {k: v for k, v in corpora.items() if k == "emodb"} or corpora
        corpora = {k: tiny_corpus(k, v, tmp / f"tiny-{k}") for k, v in corpora.items()}
        a.limit = a.limit or 6
        a.bootstrap = min(a.bootstrap, 200)
    out = Path(a.out) if a.out else (Path(tempfile.mkdtemp(prefix="serlab-bench-tiny-"))
                                     if a.tiny else HERE / "results")
    out.mkdir(parents=True, exist_ok=True)
    meta = {"machine": machine(), "threads": a.threads, "tiny": a.tiny,
            "command": shlex.join(["python3", "bench/run.py"] + sys.argv[1:]),
            "corpora": {k: str(v) for k, v in corpora.items()},
            "peers_python": a.peers_python, "torch_python": a.torch_python,
            "peer_versions": peer_versions(a)}
    parts = ["features", "training", "accuracy"] if a.part == "all" else [a.part]
    if a.tiny and a.part == "all":
        parts = ["features", "accuracy"]
    try:
        if "features" in parts:
            res = {"meta": meta, "results": bench_features(a, corpora, tmp),
                   "agreement": agreement(a, corpora, tmp)}
            json.dump(res, open(out / "features.json", "w"), indent=1)
        if "training" in parts:
            res = {"meta": meta, "results": bench_training(a)}
            json.dump(res, open(out / "training.json", "w"), indent=1)
        if "accuracy" in parts:
            res = {"meta": meta, **bench_accuracy(a, corpora, tmp)}
            json.dump(res, open(out / "accuracy.json", "w"), indent=1)
        if a.peers_python and not a.tiny:
            plot = subprocess.run([a.peers_python, str(HERE / "plot.py"), str(out)])
            if plot.returncode != 0:
                log("plot: failed (is matplotlib installed? bench/setup.sh installs it)")
    finally:
        if not a.keep:
            shutil.rmtree(tmp, ignore_errors=True)
    print(f"results: {out}")


if __name__ == "__main__":
    main()

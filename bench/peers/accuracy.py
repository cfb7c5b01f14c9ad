"""Accuracy of the Python peers under serlab's speaker-independent protocol.

    python accuracy.py CORPUS ROOT [--folds-from RUN/results.json] [--out FILE]
                       [--predictions FILE.csv] [--no-cache]

Systems: openSMILE ComParE 2016 and eGeMAPS v02 functionals + linear SVM (standardised; C picked
by leave-one-speaker-group-out on the TRAINING speakers only, never the test fold), and librosa
MFCC (20, mean+std) + random forest (300 trees, balanced). Folds are read from a serlab run's
results.json when given, so both sides test the same speakers; otherwise leave-one-speaker-out
(EmoDB) or 6 consecutive groups of 4 actors (RAVDESS). Reports UA (macro recall), WA and a 95%
bootstrap interval of UA (1000 resamples of utterances, seed 0). `--predictions` writes every
test utterance's prediction (utterance, speaker, system, label, predicted), from which
bench/run.py computes both sides' scores and intervals with one piece of code. Features are
cached under bench/results/cache unless `--no-cache` (used for sub-corpora)."""
import argparse
import json
import os
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
import corpus  # noqa: E402

CACHE = Path(__file__).resolve().parent.parent / "results" / "cache"


def features(kind, name, files, use_cache=True):
    CACHE.mkdir(parents=True, exist_ok=True)
    f = CACHE / f"{name}-{kind}.npy"
    if use_cache and f.exists():
        x = np.load(f)
        if len(x) == len(files):
            return x
    if kind == "mfcc":
        import librosa
        rows = []
        for p in files:
            y, _ = librosa.load(p, sr=16000)
            m = librosa.feature.mfcc(y=y, sr=16000, n_mfcc=20, n_fft=512, win_length=400,
                                     hop_length=160)
            rows.append(np.concatenate([m.mean(1), m.std(1)]))
        x = np.array(rows)
    else:
        import opensmile
        fs = {"compare": opensmile.FeatureSet.ComParE_2016,
              "egemaps": opensmile.FeatureSet.eGeMAPSv02}[kind]
        s = opensmile.Smile(feature_set=fs, feature_level=opensmile.FeatureLevel.Functionals)
        x = np.vstack([s.process_file(p).values for p in files])
    if use_cache:
        np.save(f, x)
    return x


def ua_wa(y, p, k):
    rec = [np.mean(p[y == c] == c) for c in range(k) if np.any(y == c)]
    return float(np.mean(rec)), float(np.mean(y == p))


def bootstrap_ua(y, p, k, n=1000, seed=0):
    rng = np.random.default_rng(seed)
    vals = []
    for _ in range(n):
        i = rng.integers(0, len(y), len(y))
        vals.append(ua_wa(y[i], p[i], k)[0])
    return float(np.percentile(vals, 2.5)), float(np.percentile(vals, 97.5))


def svm(xtr, ytr, gtr):
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import LinearSVC
    from sklearn.model_selection import GroupKFold, GridSearchCV
    pipe = make_pipeline(StandardScaler(), LinearSVC(class_weight="balanced", max_iter=20000))
    n_groups = min(5, len(set(gtr)))
    grid = GridSearchCV(pipe, {"linearsvc__C": [1e-4, 1e-3, 1e-2, 1e-1]},
                        cv=GroupKFold(n_groups), scoring="balanced_accuracy")
    grid.fit(xtr, ytr, groups=gtr)
    return grid.best_estimator_


def forest(xtr, ytr, gtr, seed):
    from sklearn.ensemble import RandomForestClassifier
    return RandomForestClassifier(300, class_weight="balanced", random_state=seed,
                                  n_jobs=-1).fit(xtr, ytr)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("corpus", choices=["emodb", "ravdess"])
    ap.add_argument("root")
    ap.add_argument("--folds-from")
    ap.add_argument("--out")
    ap.add_argument("--predictions")
    ap.add_argument("--no-cache", action="store_true")
    a = ap.parse_args()
    items = corpus.load(a.corpus, a.root)
    files = [i[0] for i in items]
    classes = sorted(set(i[1] for i in items))
    y = np.array([classes.index(i[1]) for i in items])
    spk = np.array([i[2] for i in items])
    if a.folds_from:
        r = json.load(open(a.folds_from))
        folds = [f["test_speakers"] for f in r["folds"]]
        # serlab names speakers with a corpus prefix on some loaders; match on the digits.
        digits = lambda s: "".join(ch for ch in s if ch.isdigit()).lstrip("0")
        folds = [[digits(s) for s in f] for f in folds]
        spk_key = np.array([digits(s) for s in spk])
    else:
        folds = corpus.speaker_folds(a.corpus, spk)
        spk_key = spk
    systems = {"opensmile-compare+svm": ("compare", svm),
               "opensmile-egemaps+svm": ("egemaps", svm),
               "librosa-mfcc+forest": ("mfcc", lambda x, y_, g: forest(x, y_, g, 0))}
    out = {"corpus": a.corpus, "utterances": len(y), "folds": len(folds), "systems": {}}
    rows = []
    for name, (kind, fit) in systems.items():
        x = features(kind, a.corpus, files, not a.no_cache)
        pred = np.full(len(y), -1)
        for test in folds:
            te = np.isin(spk_key, test)
            m = fit(x[~te], y[~te], spk_key[~te])
            pred[te] = m.predict(x[te])
        rows += [(Path(files[i]).stem, spk[i], name, classes[y[i]], classes[pred[i]])
                 for i in range(len(y))]
        ua, wa = ua_wa(y, pred, len(classes))
        lo, hi = bootstrap_ua(y, pred, len(classes))
        out["systems"][name] = {"ua": round(ua, 4), "wa": round(wa, 4),
                                "ua_ci95": [round(lo, 4), round(hi, 4)]}
        print(f"{a.corpus:8} {name:24} UA {ua:.3f} [{lo:.3f}, {hi:.3f}]  WA {wa:.3f}",
              flush=True)
    if a.predictions:
        import csv
        with open(a.predictions, "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["utterance", "speaker", "system", "label", "predicted"])
            w.writerows(rows)
    if a.out:
        Path(a.out).parent.mkdir(parents=True, exist_ok=True)
        json.dump(out, open(a.out, "w"), indent=1)


if __name__ == "__main__":
    main()

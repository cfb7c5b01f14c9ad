"""Train the Flask peer on the serlab run's own corpus and folds: one scikit-learn random
forest (100 trees, like the run's) per fold, fitted on that fold's training speakers (from
the run's results.json), on peer_features' MFCC means. Saves them with joblib.

    python train_peer.py RUN_DIR CORPUS_DIR OUT.joblib"""
import json
import os
import sys

import joblib
import numpy as np
from sklearn.ensemble import RandomForestClassifier

sys.path.insert(0, os.path.dirname(__file__))
from peer_features import decode, mfcc_mean  # noqa: E402


def main():
    run, corpus, out = sys.argv[1:4]
    res = json.load(open(os.path.join(run, "results.json")))
    classes = res["classes"]
    feats = {}
    for spk in sorted(os.listdir(corpus)):
        d = os.path.join(corpus, spk)
        for f in sorted(os.listdir(d)):
            if f.endswith(".wav"):
                label = f.split("_")[1]
                feats[f] = (spk, classes.index(label),
                            mfcc_mean(decode(open(os.path.join(d, f), "rb").read())))
    forests = []
    for fold in res["folds"]:
        train = set(fold["train_speakers"])
        X = np.array([v[2] for v in feats.values() if v[0] in train])
        y = np.array([v[1] for v in feats.values() if v[0] in train])
        rf = RandomForestClassifier(n_estimators=100, random_state=fold["index"], n_jobs=1)
        forests.append(rf.fit(X, y))
    joblib.dump({"classes": classes, "forests": forests, "run_id": res["experiment"]}, out)
    print(f"{len(forests)} forests on {len(feats)} utterances -> {out}")


if __name__ == "__main__":
    main()

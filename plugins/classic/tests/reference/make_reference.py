#!/usr/bin/env python3
"""Write scikit-learn's outputs on generated data for plugins/classic/tests/sklearn.rs.

Run from anywhere (scikit-learn from PyPI in a throwaway venv):

    python3 -m venv /tmp/sk-venv && /tmp/sk-venv/bin/pip install scikit-learn
    /tmp/sk-venv/bin/python plugins/classic/tests/reference/make_reference.py

Writes logreg.json and knn.json next to this script. Each holds the library versions,
the data (values rounded to float32, since serlab features are f32, then used as float64
by both sides), and per case the serlab parameters (TOML) with scikit-learn's
predict_proba on the test rows.
"""

import json
import pathlib
import warnings

import numpy as np
import sklearn
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

OUT = pathlib.Path(__file__).resolve().parent
SEED = 20261207


def draw(rng, centres, per_class):
    """Unit-variance Gaussian points around each centre, shuffled."""
    x = np.concatenate([c + rng.normal(size=(n, len(c))) for c, n in zip(centres, per_class)])
    y = np.concatenate([np.full(n, k) for k, n in enumerate(per_class)])
    order = rng.permutation(len(y))
    return x[order], y[order]


def datasets():
    rng = np.random.default_rng(SEED)
    d = 6
    # Four overlapping classes, imbalanced on purpose (balanced weights must matter).
    centres = rng.normal(0.0, 1.2, size=(4, d))
    x, y = draw(rng, centres, [50, 35, 25, 10])
    tx, _ = draw(rng, centres, [12, 10, 10, 8])
    # Columns on very different scales and offsets, like pitch in Hz next to ratios.
    scale = np.array([1.0, 10.0, 100.0, 0.1, 1.0, 1000.0])
    offset = np.array([0.0, 50.0, -300.0, 1.0, 5.0, 2000.0])

    def f32(a):
        return a.astype(np.float32).astype(np.float64)

    plain = {"train_x": f32(x), "train_y": y, "test_x": f32(tx)}
    scaled = {"train_x": f32(x * scale + offset), "train_y": y, "test_x": f32(tx * scale + offset)}
    # Two test rows equal to training rows: the zero-distance case of distance weights.
    for ds in (plain, scaled):
        ds["test_x"] = np.concatenate([ds["test_x"], ds["train_x"][[3, 17]]])
    return {"plain": plain, "scaled": scaled}


def as_json(ds):
    return {
        "train_x": ds["train_x"].tolist(),
        "train_y": ds["train_y"].tolist(),
        "test_x": ds["test_x"].tolist(),
        "classes": 4,
    }


def write(name, data, cases):
    doc = {
        "generated_by": "plugins/classic/tests/reference/make_reference.py",
        "sklearn_version": sklearn.__version__,
        "numpy_version": np.__version__,
        "datasets": {k: as_json(v) for k, v in data.items() if any(c["dataset"] == k for c in cases)},
        "cases": cases,
    }
    (OUT / name).write_text(json.dumps(doc, separators=(",", ":")) + "\n")


def case(name, dataset, params_toml, estimator, data):
    ds = data[dataset]
    estimator.fit(ds["train_x"], ds["train_y"])
    proba = estimator.predict_proba(ds["test_x"])
    out = {
        "name": name,
        "dataset": dataset,
        "params": params_toml,
        "sklearn": repr(estimator),
        "proba": proba.tolist(),
    }
    svc = estimator[-1] if hasattr(estimator, "steps") else estimator
    if isinstance(svc, SVC):
        # One-vs-one decision values (positive for the pair's first class), the pairs'
        # Platt sigmoids and the RBF width actually used.
        out["decision"] = estimator.decision_function(ds["test_x"]).tolist()
        out["prob_a"] = svc.probA_.tolist()
        out["prob_b"] = svc.probB_.tolist()
        out["gamma"] = float(svc._gamma)
        # How far scikit-learn's own probabilities move when only the random state of
        # libsvm's internal cross-validation changes: the yardstick for ours, whose folds
        # are drawn differently.
        spread = 0.0
        for seed in range(1, 10):
            other = clone(estimator)
            other.set_params(**{k: seed for k in other.get_params() if k.endswith("random_state")})
            other.fit(ds["train_x"], ds["train_y"])
            spread = max(spread, float(np.abs(other.predict_proba(ds["test_x"]) - proba).max()))
        out["proba_seed_spread"] = spread
    return out


def main():
    # scikit-learn 1.9 deprecates SVC(probability=True) (for CalibratedClassifierCV); it is
    # still libsvm's Platt scaling, which is what serlab's svm reproduces.
    warnings.filterwarnings("ignore", category=FutureWarning)
    data = datasets()
    lr = dict(solver="lbfgs", tol=1e-10, max_iter=100000)
    write(
        "logreg.json",
        data,
        [
            case(
                "c1-unweighted-raw",
                "plain",
                'c = 1.0\nclass_weight = "none"\nstandardize = "none"\ntol = 1e-10\nmax_iter = 100000',
                LogisticRegression(C=1.0, **lr),
                data,
            ),
            case(
                "c0.1-balanced-standardised",
                "scaled",
                'c = 0.1\nclass_weight = "balanced"\nstandardize = "global"\ntol = 1e-10\nmax_iter = 100000',
                make_pipeline(StandardScaler(), LogisticRegression(C=0.1, class_weight="balanced", **lr)),
                data,
            ),
            case(
                "c10-balanced-standardised",
                "scaled",
                'c = 10.0\nclass_weight = "balanced"\ntol = 1e-10\nmax_iter = 100000',
                make_pipeline(StandardScaler(), LogisticRegression(C=10.0, class_weight="balanced", **lr)),
                data,
            ),
        ],
    )
    write(
        "knn.json",
        data,
        [
            case(
                "k5-uniform-standardised",
                "scaled",
                'k = 5\nweights = "uniform"',
                make_pipeline(StandardScaler(), KNeighborsClassifier(n_neighbors=5, algorithm="brute")),
                data,
            ),
            case(
                "k7-distance-raw",
                "plain",
                'k = 7\nweights = "distance"\nstandardize = "none"',
                KNeighborsClassifier(n_neighbors=7, weights="distance", algorithm="brute"),
                data,
            ),
            case(
                "k1-uniform-raw",
                "scaled",
                'k = 1\nstandardize = "none"',
                KNeighborsClassifier(n_neighbors=1, algorithm="brute"),
                data,
            ),
        ],
    )
    svc = dict(probability=True, tol=1e-6, decision_function_shape="ovo", random_state=0)
    write(
        "svm.json",
        data,
        [
            case(
                "rbf-scale-c1-standardised",
                "scaled",
                'kernel = "rbf"\nc = 1.0\ntol = 1e-6',
                make_pipeline(StandardScaler(), SVC(kernel="rbf", C=1.0, gamma="scale", **svc)),
                data,
            ),
            case(
                "rbf-gamma0.3-c10-balanced-raw",
                "plain",
                'kernel = "rbf"\nc = 10.0\ngamma = 0.3\nclass_weight = "balanced"\nstandardize = "none"\ntol = 1e-6',
                SVC(kernel="rbf", C=10.0, gamma=0.3, class_weight="balanced", **svc),
                data,
            ),
            case(
                "linear-c0.1-standardised",
                "scaled",
                'kernel = "linear"\nc = 0.1\ntol = 1e-6',
                make_pipeline(StandardScaler(), SVC(kernel="linear", C=0.1, **svc)),
                data,
            ),
        ],
    )


if __name__ == "__main__":
    main()

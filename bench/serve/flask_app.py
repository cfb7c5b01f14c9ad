"""The Flask + scikit-learn service of the load benchmark: the shape of `serlab serve`'s
POST /predict (raw audio body in, per-model class probabilities averaged over the fold
forests out, JSON errors) on the same MFCC features. Run under gunicorn:

    SERLAB_PEER_MODEL=peer.joblib gunicorn -w 2 -b 127.0.0.1:PORT flask_app:app"""
import os
import sys

import joblib
import numpy as np
from flask import Flask, jsonify, request

sys.path.insert(0, os.path.dirname(__file__))
from peer_features import decode, mfcc_mean  # noqa: E402

BUNDLE = joblib.load(os.environ["SERLAB_PEER_MODEL"])
CLASSES = BUNDLE["classes"]
app = Flask(__name__)
app.config["MAX_CONTENT_LENGTH"] = 16 << 20


@app.get("/health")
def health():
    return jsonify(status="ok")


@app.post("/predict")
def predict():
    ctype = request.content_type or ""
    if not (ctype.startswith("audio/") or ctype == "application/octet-stream"):
        return jsonify(error="unsupported_media_type", message=ctype), 415
    data = request.get_data()
    if not data:
        return jsonify(error="missing_body", message="no body"), 400
    try:
        y = decode(data)
    except ValueError as e:
        return jsonify(error="bad_audio", message=str(e)), 422
    x = mfcc_mean(y)[None, :]
    p = np.mean([f.predict_proba(x)[0] for f in BUNDLE["forests"]], axis=0)
    return jsonify(run_id=BUNDLE["run_id"], classes=CLASSES, seconds=len(y) / 16000,
                   models=[{"id": "forest-mfcc", "probs": p.tolist(),
                            "predicted": CLASSES[int(np.argmax(p))],
                            "folds": len(BUNDLE["forests"])}],
                   fusions=[])

"""Numeric agreement of serlab's log-mel and MFCC with librosa 0.11 on real files.

    python agreement.py prepare CORPUS ROOT WORK [--files N]
    python agreement.py compare FEATS.h5...

`prepare` picks N files spread over the corpus (every k-th of the sorted list, so all
speakers and classes appear) and lays them out twice in serlab's corpus layout: WORK/native
(symlinks to the originals; each side decodes and resamples on its own) and WORK/16k (16-bit
PCM copies resampled once here with librosa's default soxr_hq; neither side resamples, so
what differs is the feature maths alone).

`compare` reads a `serlab features` export (tui/FEATURES-H5.md), recomputes every utterance's
`log-mel` and `mfcc` with librosa from the same file and the parameters serlab recorded in the
file (`/features/<id>` attribute `params`), and prints one JSON line (per file, per feature set) with the
largest and mean absolute difference (dB for log-mel), Pearson correlation over all values,
and frame-count mismatches."""
import argparse
import json
import os
import sys
import tomllib
from pathlib import Path

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
import corpus  # noqa: E402


def prepare(a):
    import librosa
    import soundfile as sf
    items = corpus.load(a.corpus, a.root)
    step = max(1, len(items) // a.files)
    pick = [p for p, _, _ in items][::step][:a.files]
    for p in pick:
        rel = os.path.relpath(p, a.root)
        for variant in ("native", "16k"):
            dest = Path(a.work, variant, rel)
            dest.parent.mkdir(parents=True, exist_ok=True)
            if variant == "native":
                os.symlink(Path(p).resolve(), dest)
            else:
                y, _ = librosa.load(p, sr=16000, mono=True)
                sf.write(dest, y, 16000, subtype="PCM_16")
    print(json.dumps({"files": len(pick)}))


def librosa_features(kind, y, p):
    import librosa
    common = dict(sr=p["sample_rate"], n_fft=p["n_fft"], win_length=p["win_length"],
                  hop_length=p["hop_length"], fmin=p["fmin"], fmax=p["fmax"] or None,
                  center=p["center"], pad_mode=p["pad_mode"])
    if kind == "log-mel":
        m = librosa.feature.melspectrogram(y=y, n_mels=p["n_mels"], **common)
        return librosa.power_to_db(m, top_db=p["top_db"] or None).T
    m = librosa.feature.melspectrogram(y=y, n_mels=p["n_mels"], **common)
    s = librosa.power_to_db(m, top_db=p["top_db"] or None)
    return librosa.feature.mfcc(S=s, n_mfcc=p["n_mfcc"]).T


def compare(a):
    print(json.dumps({Path(h5).stem: compare_one(h5) for h5 in a.h5}))


def compare_one(h5):
    import h5py
    import librosa
    out = {}
    with h5py.File(h5, "r") as f:
        paths = f["utterances/path"].asstr()[()]
        for fid in ("log-mel", "mfcc"):
            g = f["features"][fid]
            params = tomllib.loads(g.attrs["params"] if isinstance(g.attrs["params"], str)
                                   else g.attrs["params"].decode())
            kind = g.attrs["extractor"]
            kind = kind if isinstance(kind, str) else kind.decode()
            data, off = g["data"][()], g["offsets"][()]
            ours, ref, frame_mismatch = [], [], 0
            for i, path in enumerate(paths):
                y, _ = librosa.load(path, sr=params["sample_rate"], mono=True)
                r = librosa_features(kind, y, params)
                s = data[off[i]:off[i + 1]]
                if s.shape != r.shape:
                    frame_mismatch += 1
                t = min(len(s), len(r))
                ours.append(s[:t].ravel())
                ref.append(r[:t].ravel())
            ours, ref = np.concatenate(ours).astype(np.float64), np.concatenate(ref)
            d = np.abs(ours - ref)
            out[fid] = {"utterances": len(paths), "values": int(d.size),
                        "max_abs": float(d.max()), "mean_abs": float(d.mean()),
                        "p99_abs": float(np.percentile(d, 99)),
                        "corr": float(np.corrcoef(ours, ref)[0, 1]),
                        "ref_range": [float(ref.min()), float(ref.max())],
                        "frame_count_mismatches": frame_mismatch}
    return out


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("prepare")
    p.add_argument("corpus", choices=["emodb", "ravdess"])
    p.add_argument("root")
    p.add_argument("work")
    p.add_argument("--files", type=int, default=30)
    c = sub.add_parser("compare")
    c.add_argument("h5", nargs="+")
    a = ap.parse_args()
    prepare(a) if a.cmd == "prepare" else compare(a)


if __name__ == "__main__":
    main()

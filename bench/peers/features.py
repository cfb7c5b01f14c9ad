"""Feature-extraction throughput of the Python peers on a corpus folder.

    python features.py SET CORPUS ROOT [--procs N] [--limit K]

SET: librosa-logmel | librosa-mfcc | opensmile-egemaps | opensmile-compare. The librosa sets
use serlab's defaults (16 kHz, n_fft 512, win 400, hop 160, reflect padding; log-mel 64 bands
with power_to_db(top_db=80); MFCC 20 coefficients from 128 bands), so both sides do the same
work: decode, resample, features. Prints one JSON line (wall and CPU seconds of the timed
pass: this process plus its ended workers); bench/run.py adds peak memory."""
import argparse
import json
import os
import resource
import sys
import time
from multiprocessing import Pool

import soundfile as sf

sys.path.insert(0, os.path.dirname(__file__))
import corpus  # noqa: E402

SR = 16000


def _librosa(kind, path):
    import librosa
    y, _ = librosa.load(path, sr=SR, mono=True)
    if kind == "logmel":
        m = librosa.feature.melspectrogram(y=y, sr=SR, n_fft=512, win_length=400,
                                           hop_length=160, n_mels=64, pad_mode="reflect")
        return librosa.power_to_db(m, top_db=80.0)
    return librosa.feature.mfcc(y=y, sr=SR, n_mfcc=20, n_fft=512, win_length=400,
                                hop_length=160, n_mels=128, pad_mode="reflect")


_SMILE = None


def _opensmile(kind, path):
    global _SMILE
    if _SMILE is None:
        import opensmile
        fs = {"egemaps": opensmile.FeatureSet.eGeMAPSv02,
              "compare": opensmile.FeatureSet.ComParE_2016}[kind]
        _SMILE = opensmile.Smile(feature_set=fs, feature_level=opensmile.FeatureLevel.Functionals)
    return _SMILE.process_file(path).values


def _children_cpu():
    """CPU seconds of the worker processes that have ended (the pool's, once joined)."""
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def extract(job):
    tool, kind, path = job
    out = _librosa(kind, path) if tool == "librosa" else _opensmile(kind, path)
    return out.size


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("set")
    ap.add_argument("corpus", choices=["emodb", "ravdess"])
    ap.add_argument("root")
    ap.add_argument("--procs", type=int, default=1)
    ap.add_argument("--limit", type=int, default=0)
    a = ap.parse_args()
    tool, kind = a.set.split("-", 1)
    files = [p for p, _, _ in corpus.load(a.corpus, a.root)]
    if a.limit:
        files = files[:a.limit]
    audio_s = sum(sf.info(f).duration for f in files)
    jobs = [(tool, kind, f) for f in files]
    # Warm-up outside the clock: imports and (for opensmile) the config load.
    extract(jobs[0])
    t0 = time.perf_counter()
    c0 = time.process_time() + _children_cpu()
    if a.procs > 1:
        with Pool(a.procs) as pool:
            pool.map(extract, jobs, chunksize=8)
    else:
        for j in jobs:
            extract(j)
    wall = time.perf_counter() - t0
    cpu = time.process_time() + _children_cpu() - c0
    print(json.dumps({"tool": tool, "set": a.set, "corpus": a.corpus, "files": len(files),
                      "audio_s": round(audio_s, 3), "wall_s": round(wall, 4),
                      "rtf": round(audio_s / wall, 1), "cpu_s": round(cpu, 4),
                      "procs": a.procs}))


if __name__ == "__main__":
    main()

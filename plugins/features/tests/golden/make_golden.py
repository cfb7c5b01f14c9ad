#!/usr/bin/env python3
"""Reference values for serlab-features' golden tests, computed by librosa.

Run from anywhere with a Python that has librosa 0.11, numpy and scipy:

    python plugins/features/tests/golden/make_golden.py

It generates four 0.5 s test signals (a linear chirp, a harmonic tone, uniform white
noise and a synthetic vowel; no corpus audio), quantises them to 16 bits, and writes
`golden.json` next to itself with librosa's values for them, the settings used, and the
librosa / numpy / scipy versions. `golden.rs` generates the same samples with the same
formulas (plain float64 loops, an integer xorshift for the noise), so no audio file is
tracked. Values are rounded to 7 significant digits.
"""

import json
import math
import pathlib

import librosa
import numpy as np
import scipy

HERE = pathlib.Path(__file__).resolve().parent
SR = 16000
N = 8000  # 0.5 s
N_FFT, WIN, HOP = 512, 400, 160
MASK64 = (1 << 64) - 1


def klatt_vowel(formants, bandwidths, f0, n, sr):
    """Impulse train with 3% vibrato -> two-pole glottal low-pass -> resonator cascade ->
    first difference (Klatt 1980 cascade synthesiser, simplest form). Plain loops in the
    order `golden.rs` computes them."""
    x, phase, prev = [0.0] * n, 0.0, 0.0
    for i in range(n):
        phase += f0 * (1 + 0.03 * math.sin(2 * math.pi * 5 * (i / sr))) / sr
        if math.floor(phase) - math.floor(prev) > 0:
            x[i] = 1.0
        prev = phase
    for _ in range(2):
        y1 = 0.0
        for i in range(n):
            y1 = x[i] + 0.95 * y1
            x[i] = y1
    for f, bw in zip(formants, bandwidths):
        c = -math.exp(-2 * math.pi * bw / sr)
        b = 2 * math.exp(-math.pi * bw / sr) * math.cos(2 * math.pi * f / sr)
        a = 1 - b - c
        y1 = y2 = 0.0
        for i in range(n):
            y = a * x[i] + b * y1 + c * y2
            y2, y1 = y1, y
            x[i] = y
    d, last = [0.0] * n, 0.0
    for i in range(n):
        d[i], last = x[i] - last, x[i]
    peak = max(abs(v) for v in d)
    return [0.5 * v / peak for v in d]


def uniform_noise(n, seed):
    """White noise, uniform in [-0.26, 0.26] (standard deviation 0.15), from xorshift64*:
    integer arithmetic that `golden.rs` repeats bit for bit."""
    state, out = seed, []
    for _ in range(n):
        state ^= state >> 12
        state ^= (state << 25) & MASK64
        state ^= state >> 27
        u = (((state * 0x2545F4914F6CDD1D) & MASK64) >> 11) / float(1 << 53)
        out.append(0.26 * (2.0 * u - 1.0))
    return out


def signals():
    """The four test signals as float64 lists (the formulas `golden.rs` repeats)."""
    t = [i / SR for i in range(N)]
    beta = (4000.0 - 100.0) / t[-1]
    chirp = [0.5 * math.cos(2 * math.pi * (100.0 * v + 0.5 * beta * v * v)) for v in t]
    harmonic = []
    for v in t:
        acc = 0.0
        for k in range(1, 6):
            acc += 0.4 / k * math.sin(2 * math.pi * 180 * k * v + 0.3 * k)
        harmonic.append(acc)
    noise = uniform_noise(N, 0x9E3779B97F4A7C15)
    vowel = klatt_vowel([700, 1220, 2600, 3500], [60, 90, 120, 150], 130, N, SR)
    return {"chirp": chirp, "harmonic": harmonic, "noise": noise, "vowel": vowel}


def quantise(x):
    """16-bit PCM as a WAV file would hold it (round half to even of 32767 x), read back
    as x / 32768 in float32: what the Rust test feeds the extractors."""
    q = np.clip(np.round(np.asarray(x) * 32767.0), -32768, 32767).astype(np.int16)
    return (q.astype(np.float64) / 32768.0).astype(np.float32)


def r(a):
    """Round to 7 significant digits for JSON."""
    return np.vectorize(lambda v: float(f"{v:.7g}"), otypes=[float])(np.asarray(a, dtype=np.float64)).tolist()


def references(y):
    out = {}
    # log-mel and MFCC as serlab's `log-mel` / `mfcc` defaults (reflect padding).
    mel = librosa.feature.melspectrogram(
        y=y, sr=SR, n_fft=N_FFT, hop_length=HOP, win_length=WIN, center=True,
        pad_mode="reflect", power=2.0, n_mels=64, fmin=0.0, fmax=SR / 2,
    )
    out["logmel64"] = r(librosa.power_to_db(mel, ref=1.0, amin=1e-10, top_db=80.0).T)
    mel128 = librosa.feature.melspectrogram(
        y=y, sr=SR, n_fft=N_FFT, hop_length=HOP, win_length=WIN, center=True,
        pad_mode="reflect", power=2.0, n_mels=128,
    )
    mfcc = librosa.feature.mfcc(
        S=librosa.power_to_db(mel128, ref=1.0, amin=1e-10, top_db=80.0), n_mfcc=20
    )
    out["mfcc20"] = r(mfcc.T)
    out["mfcc20_delta"] = r(librosa.feature.delta(mfcc, width=9, order=1).T)
    out["mfcc20_delta2"] = r(librosa.feature.delta(mfcc, width=9, order=2).T)
    # Frame-level LLDs as serlab's `lld` defaults (constant padding, librosa 0.11).
    stft = librosa.stft(
        y, n_fft=N_FFT, hop_length=HOP, win_length=WIN, center=True, pad_mode="constant"
    )
    mag = np.abs(stft)
    power = mag**2
    kw = dict(sr=SR, n_fft=N_FFT, hop_length=HOP)
    out["centroid"] = r(librosa.feature.spectral_centroid(S=mag, **kw)[0])
    out["bandwidth"] = r(librosa.feature.spectral_bandwidth(S=mag, **kw)[0])
    out["rolloff"] = r(librosa.feature.spectral_rolloff(S=mag, roll_percent=0.85, **kw)[0])
    out["flatness"] = r(librosa.feature.spectral_flatness(S=mag, power=2.0, amin=1e-10)[0])
    out["contrast"] = r(
        librosa.feature.spectral_contrast(S=mag, fmin=200.0, n_bands=6, quantile=0.02, **kw).T
    )
    out["chroma"] = r(librosa.feature.chroma_stft(S=power, tuning=0.0, norm=np.inf, **kw).T)
    out["rms"] = r(
        librosa.feature.rms(y=y, frame_length=WIN, hop_length=HOP, center=True, pad_mode="constant")[0]
    )
    out["zcr"] = r(
        librosa.feature.zero_crossing_rate(y, frame_length=WIN, hop_length=HOP, center=True)[0]
    )
    logmel26 = librosa.power_to_db(
        librosa.feature.melspectrogram(S=power, sr=SR, n_mels=26), ref=1.0, amin=1e-10, top_db=80.0
    )
    out["mfcc15_mel26"] = r(librosa.feature.mfcc(S=logmel26, n_mfcc=15).T)
    out["flux"] = r(
        librosa.onset.onset_strength(
            S=logmel26, lag=1, max_size=1, center=False, aggregate=np.mean
        )
    )
    # YIN with serlab's frame: 2 * ceil(sr / f0_min) samples, zero padding.
    out["yin"] = r(
        librosa.yin(
            y, fmin=60.0, fmax=500.0, sr=SR, frame_length=2 * int(np.ceil(SR / 60.0)),
            hop_length=HOP, trough_threshold=0.1, center=True, pad_mode="constant",
        )
    )
    return out


def main():
    golden = {
        "generator": "plugins/features/tests/golden/make_golden.py",
        "librosa": librosa.__version__,
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "settings": {
            "sample_rate": SR, "n_fft": N_FFT, "win_length": WIN, "hop_length": HOP,
            "logmel64_and_mfcc20": "center=True, pad_mode=reflect, top_db=80; mfcc over 128 mels",
            "lld": "center=True, pad_mode=constant; contrast fmin=200 n_bands=6; chroma tuning=0; "
                   "mfcc15 and flux over 26 mels; yin fmin=60 fmax=500 frame_length=534",
        },
        "signals": {},
    }
    for name, x in signals().items():
        golden["signals"][name] = references(quantise(x))
    with open(HERE / "golden.json", "w") as f:
        json.dump(golden, f, separators=(",", ":"))
        f.write("\n")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Reference values for serlab-features' golden tests, computed by librosa.

Run from anywhere with a Python that has librosa 0.11, numpy, scipy and soundfile:

    python plugins/features/tests/golden/make_golden.py

It writes, next to itself, four generated 0.5 s test signals as 16-bit WAV files (a
linear chirp, a harmonic tone, white noise and a synthetic vowel; no corpus audio) and
`golden.json` with librosa's values for them, the settings used, and the librosa / numpy
/ scipy versions. The WAV files are re-read before analysis, so librosa sees exactly the
16-bit-quantised samples the Rust test reads. Values are rounded to 7 significant digits.
"""

import json
import pathlib

import librosa
import numpy as np
import scipy
import scipy.signal
import soundfile as sf

HERE = pathlib.Path(__file__).resolve().parent
SR = 16000
N = 8000  # 0.5 s
N_FFT, WIN, HOP = 512, 400, 160


def klatt_vowel(formants, bandwidths, f0, n, sr):
    """Impulse train with 3% vibrato -> two-pole glottal low-pass -> resonator cascade ->
    first difference (Klatt 1980 cascade synthesiser, simplest form)."""
    t = np.arange(n) / sr
    phase = np.cumsum(f0 * (1 + 0.03 * np.sin(2 * np.pi * 5 * t)) / sr)
    x = np.zeros(n)
    x[np.flatnonzero(np.diff(np.floor(phase), prepend=0) > 0)] = 1.0
    for _ in range(2):
        x = scipy.signal.lfilter([1.0], [1.0, -0.95], x)
    for f, bw in zip(formants, bandwidths):
        c = -np.exp(-2 * np.pi * bw / sr)
        b = 2 * np.exp(-np.pi * bw / sr) * np.cos(2 * np.pi * f / sr)
        a = 1 - b - c
        x = scipy.signal.lfilter([a], [1.0, -b, -c], x)
    x = np.diff(x, prepend=0.0)
    return 0.5 * x / np.max(np.abs(x))


def signals():
    t = np.arange(N) / SR
    chirp = 0.5 * scipy.signal.chirp(t, f0=100, t1=t[-1], f1=4000, method="linear")
    harmonic = sum(
        0.4 / k * np.sin(2 * np.pi * 180 * k * t + 0.3 * k) for k in range(1, 6)
    )
    noise = np.clip(0.15 * np.random.default_rng(0).standard_normal(N), -0.99, 0.99)
    vowel = klatt_vowel([700, 1220, 2600, 3500], [60, 90, 120, 150], 130, N, SR)
    return {"chirp": chirp, "harmonic": harmonic, "noise": noise, "vowel": vowel}


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
        path = HERE / f"{name}.wav"
        sf.write(path, x.astype(np.float32), SR, subtype="PCM_16")
        y, sr = sf.read(path, dtype="float32")
        assert sr == SR
        golden["signals"][name] = {"wav": path.name, **references(y)}
    with open(HERE / "golden.json", "w") as f:
        json.dump(golden, f, separators=(",", ":"))
        f.write("\n")


if __name__ == "__main__":
    main()

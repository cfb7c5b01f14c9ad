"""The Flask peer's features: librosa MFCCs with serlab's `mfcc` defaults (16 kHz, 20
coefficients, n_fft 512, win 400, hop 160, 128 mel bands, reflect padding; the parameters
bench/peers/features.py uses for the same set), mean-pooled over frames as serlab's random
forest pools a frame set. Shared by the trainer and the service so both compute the same."""
import io

import librosa
import numpy as np
import soundfile as sf

SR = 16000


def decode(data: bytes) -> np.ndarray:
    """Mono float samples at 16 kHz from WAV/FLAC/OGG bytes; ValueError when not audio."""
    try:
        y, sr = sf.read(io.BytesIO(data), dtype="float32", always_2d=True)
    except Exception as e:  # soundfile raises its own error types
        raise ValueError(f"not readable audio: {e}") from e
    y = y.mean(axis=1)
    if y.size == 0 or not np.any(y):
        raise ValueError("no samples, or all samples zero")
    if sr != SR:
        y = librosa.resample(y, orig_sr=sr, target_sr=SR)
    return y


def mfcc_mean(y: np.ndarray) -> np.ndarray:
    m = librosa.feature.mfcc(y=y, sr=SR, n_mfcc=20, n_fft=512, win_length=400,
                             hop_length=160, n_mels=128, pad_mode="reflect")
    return m.mean(axis=1)

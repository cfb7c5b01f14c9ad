"""File lists, labels and speakers of the shared corpora, read from the file names exactly as
serlab's loaders read them (core/src/corpus/emodb.rs, ravdess.rs), so peers and serlab see the
same utterances, classes and speakers."""
from pathlib import Path

EMODB_CODES = {"W": "anger", "L": "boredom", "E": "disgust", "A": "fear",
               "F": "happiness", "T": "sadness", "N": "neutral"}
RAVDESS_CODES = {"01": "neutral", "02": "calm", "03": "happy", "04": "sad",
                 "05": "angry", "06": "fearful", "07": "disgust", "08": "surprised"}


def emodb(root):
    """[(path, label, speaker)] for an EmoDB folder (wav/03a01Fa.wav)."""
    items = []
    for p in sorted(Path(root, "wav").glob("*.wav")):
        items.append((str(p), EMODB_CODES[p.stem[5]], p.stem[:2]))
    return items


def ravdess(root):
    """[(path, label, speaker)] for a RAVDESS folder (Actor_XX/03-01-EE-II-SS-RR-AA.wav)."""
    items = []
    for p in sorted(Path(root).glob("Actor_*/*.wav")):
        f = p.stem.split("-")
        items.append((str(p), RAVDESS_CODES[f[2]], f[6]))
    return items


def load(name, root):
    return {"emodb": emodb, "ravdess": ravdess}[name](root)


def speaker_folds(name, speakers):
    """The folds serlab's shipped experiments use: leave-one-speaker-out for EmoDB (10 folds);
    6 folds of 4 actors for RAVDESS (actors 1-4, 5-8, ... in order)."""
    sp = sorted(set(speakers))
    if name == "emodb":
        return [[s] for s in sp]
    return [sp[i:i + 4] for i in range(0, len(sp), 4)]

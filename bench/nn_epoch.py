"""Benchmark (not a test): one training epoch of the CNN+attention and LSTM models of
serlab's `neural` plugin, re-built layer for layer in PyTorch, on CPU at a given thread
count, batch and input shape (issue #5: CNN on (32, 300, 40), 2-layer LSTM with hidden 64
on (32, 150, 40)). The Rust side is `plugins/neural/examples/nn_epoch.rs`; both run 20
batches of 32 with AdamW, gradient clipping at 5, class-balanced-free cross-entropy, and
report the best of 3 epochs: wall clock (`epoch_s`) and process CPU time (`epoch_cpu_s`,
all threads; on a loaded machine the CPU time of a one-thread run is the fairer figure).

    /work/pyenv-torch/bin/python bench/nn_epoch.py cnn 1     # model, threads [bi]

Prints one JSON line like the Rust example.
"""

import json
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

BATCH, BATCHES, REPEATS, CLASSES = 32, 20, 3, 7


class CnnAttention(nn.Module):
    """serlab `cnn-attention` defaults: blocks (conv 3x3 same, no bias; BatchNorm; ReLU;
    max-pool 2x2) with 16, 32, 64 channels; (B, T', C*F') -> Linear 128 + ReLU + dropout
    0.3; additive attention (tanh(W h + b) . v, size 64) over frames; dropout; Linear."""

    def __init__(self, freq, classes):
        super().__init__()
        chans, blocks, c = [16, 32, 64], [], 1
        for o in chans:
            blocks += [nn.Conv2d(c, o, 3, padding=1, bias=False), nn.BatchNorm2d(o), nn.ReLU(), nn.MaxPool2d(2)]
            c = o
        self.blocks = nn.Sequential(*blocks)
        f = freq // 8
        self.proj = nn.Linear(c * f, 128)
        self.att_proj = nn.Linear(128, 64)
        self.att_score = nn.Linear(64, 1, bias=False)
        self.head = nn.Linear(128, classes)
        self.drop = nn.Dropout(0.3)

    def forward(self, x):
        b = x.shape[0]
        h = self.blocks(x.unsqueeze(1))  # (B, C, T', F')
        h = h.permute(0, 2, 1, 3).reshape(b, h.shape[2], -1)
        e = self.drop(F.relu(self.proj(h)))
        a = torch.softmax(self.att_score(torch.tanh(self.att_proj(e))).squeeze(-1), dim=1)
        z = self.drop((a.unsqueeze(-1) * e).sum(1))
        return self.head(z)


class LstmAttention(nn.Module):
    """serlab `lstm`: 2 layers of 64 units (dropout 0.3 between), attention pooling (64),
    dropout 0.3, Linear."""

    def __init__(self, dim, classes, bidirectional):
        super().__init__()
        self.lstm = nn.LSTM(dim, 64, num_layers=2, batch_first=True, dropout=0.3, bidirectional=bidirectional)
        d = 128 if bidirectional else 64
        self.att_proj = nn.Linear(d, 64)
        self.att_score = nn.Linear(64, 1, bias=False)
        self.head = nn.Linear(d, classes)
        self.drop = nn.Dropout(0.3)

    def forward(self, x):
        h, _ = self.lstm(x)
        a = torch.softmax(self.att_score(torch.tanh(self.att_proj(h))).squeeze(-1), dim=1)
        return self.head(self.drop((a.unsqueeze(-1) * h).sum(1)))


def main():
    which = sys.argv[1] if len(sys.argv) > 1 else "cnn"
    threads = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    bi = len(sys.argv) > 3 and sys.argv[3] == "bi"
    torch.set_num_threads(threads)
    torch.manual_seed(1)
    frames, dim = (300, 40) if which == "cnn" else (150, 40)
    n = BATCH * BATCHES
    x = torch.rand(n, frames, dim) - 0.5
    y = torch.arange(n) % CLASSES
    best = best_cpu = float("inf")
    for _ in range(REPEATS):
        model = CnnAttention(dim, CLASSES) if which == "cnn" else LstmAttention(dim, CLASSES, bi)
        opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=1e-3)
        model.train()
        t0, c0 = time.perf_counter(), time.process_time()
        perm = torch.randperm(n)
        for k in range(BATCHES):
            idx = perm[k * BATCH:(k + 1) * BATCH]
            xb = x[idx]
            # serlab standardises features before batching; do the same work here.
            xb = (xb - xb.mean(dim=(0, 1))) / xb.std(dim=(0, 1))
            opt.zero_grad()
            loss = F.cross_entropy(model(xb), y[idx])
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 5.0)
            opt.step()
        best = min(best, time.perf_counter() - t0)
        best_cpu = min(best_cpu, time.process_time() - c0)
    print(json.dumps({
        "impl": "pytorch " + torch.__version__, "model": which, "bidirectional": bi, "threads": threads,
        "batch": BATCH, "batches": BATCHES, "frames": frames, "dim": dim, "epoch_s": round(best, 4),
        "epoch_cpu_s": round(best_cpu, 4),
    }))


if __name__ == "__main__":
    main()

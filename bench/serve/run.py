"""The load benchmark of `serlab serve` beside a Flask + scikit-learn service of the same
shape (bench/serve/flask_app.py under gunicorn) on the same MFCC features and the same
folds, on loopback, the two sides alternating for --rounds rounds.

    bench/serve/run.sh            # venv, release build, then this script
    python bench/serve/run.py --serlab target/release/serlab [--clients 8] [--seconds 20]
        [--rounds 2] [--workers 2] [--out bench/results/serve.json]

Each side: start, 20 warm-up requests, then RSS and CPU time (/proc) of the server's
processes, the load (bench/serve/load.py), RSS and CPU time again, `uptime`, SIGTERM."""
import argparse
import glob
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import load  # noqa: E402

TICK = os.sysconf("SC_CLK_TCK")


def pids(root):
    """`root` and its descendants (gunicorn's workers)."""
    out, todo = [], [root]
    while todo:
        p = todo.pop()
        out.append(p)
        for t in glob.glob(f"/proc/{p}/task/*/children"):
            try:
                todo += [int(c) for c in open(t).read().split()]
            except OSError:
                pass
    return out


def rss_mib(root):
    total = 0
    for p in pids(root):
        try:
            for line in open(f"/proc/{p}/status"):
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total / 1024


def cpu_s(root):
    total = 0
    for p in pids(root):
        try:
            f = open(f"/proc/{p}/stat").read().rsplit(")", 1)[1].split()
            total += int(f[11]) + int(f[12])
        except OSError:
            pass
    return total / TICK


def wait_health(url, proc, timeout=60):
    t0 = time.time()
    while time.time() - t0 < timeout:
        if proc.poll() is not None:
            raise SystemExit(f"server exited: {proc.stderr.read().decode()}")
        try:
            urllib.request.urlopen(url + "/health", timeout=1).read()
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"{url} not healthy after {timeout} s")


def free_port():
    import socket
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def start(side, a, run, peer):
    port = free_port()
    if side == "serlab":
        cmd = [a.serlab, "serve", run, "--addr", f"127.0.0.1:{port}",
               "--workers", str(a.workers)]
        env = dict(os.environ)
    else:
        cmd = [os.path.join(os.path.dirname(a.python), "gunicorn"), "-w", str(a.workers),
               "-b", f"127.0.0.1:{port}", "--chdir", HERE, "--log-level", "warning",
               "flask_app:app"]
        env = dict(os.environ, SERLAB_PEER_MODEL=os.path.abspath(peer), OMP_NUM_THREADS="1",
                   OPENBLAS_NUM_THREADS="1", NUMBA_NUM_THREADS="1")
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    wait_health(url, proc)
    return proc, url


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--serlab", default="target/release/serlab")
    ap.add_argument("--python", default="bench/.venv/bin/python")
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--seconds", type=float, default=20)
    ap.add_argument("--max-requests", type=int, default=20000)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--out", default="bench/results/serve.json")
    a = ap.parse_args()

    run = "runs/serve-bench/run"  # runs/ is not versioned
    if not os.path.exists(os.path.join(run, "results.json")):
        subprocess.run([a.serlab, "run", os.path.join(HERE, "bench.toml"), "--output", run],
                       check=True, stdout=subprocess.DEVNULL)
    res = json.load(open(os.path.join(run, "results.json")))
    # The generated corpus (runs/.corpora/synthetic-<hash>): the one with the run's count.
    n = res["corpus"]["utterances"]
    corpus = next(c for c in sorted(glob.glob("runs/.corpora/synthetic-*"))
                  if len(glob.glob(os.path.join(c, "*", "*.wav"))) == n)
    peer = "runs/serve-bench/peer.joblib"
    if not os.path.exists(peer):
        subprocess.run([a.python, os.path.join(HERE, "train_peer.py"), run, corpus, peer],
                       check=True)
    files = sorted(glob.glob(os.path.join(corpus, "s0*", "*_00.wav")))[:8]
    clips = [open(f, "rb").read() for f in files]

    rows = []
    for r in range(a.rounds):
        for side in ("serlab", "flask"):
            proc, url = start(side, a, run, peer)
            load.run(url, clips, 2, 60, 20)  # warm-up: 20 requests
            rss0, cpu0 = rss_mib(proc.pid), cpu_s(proc.pid)
            up0 = os.getloadavg()[0]
            m = load.run(url, clips, a.clients, a.seconds, a.max_requests)
            rss1, cpu1 = rss_mib(proc.pid), cpu_s(proc.pid)
            m.update(side=side, round=r, rss_before_mib=rss0, rss_after_mib=rss1,
                     server_cpu_s=cpu1 - cpu0, load1_before=up0,
                     load1_after=os.getloadavg()[0], workers=a.workers)
            m["cpu_ms_per_request"] = 1e3 * m["server_cpu_s"] / max(1, m["requests"])
            proc.send_signal(signal.SIGTERM)
            m["exit_code"] = proc.wait(timeout=60)
            rows.append(m)
            print(f"{side:6} round {r}: {m['throughput_rps']:7.1f} req/s  p50 "
                  f"{m['p50_ms']:6.1f} ms  p99 {m['p99_ms']:6.1f} ms  errors {m['errors']}  "
                  f"RSS {rss0:.0f}->{rss1:.0f} MiB  CPU {m['cpu_ms_per_request']:.2f} ms/req  "
                  f"load {up0:.1f}", flush=True)
    os.makedirs(os.path.dirname(a.out), exist_ok=True)
    json.dump({"clips": [os.path.basename(f) for f in files], "rows": rows,
               "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())},
              open(a.out, "w"), indent=1)
    print(f"wrote {a.out}")


if __name__ == "__main__":
    main()

"""A bounded load generator: N client threads, each with its own keep-alive connection,
POST the given clips round robin to URL/predict for at most T seconds and at most M
requests in all. Standard library only.

    python load.py URL CLIP.wav... [--clients 8] [--seconds 20] [--max-requests 20000]

Prints one JSON object: requests, errors (non-200 or failed), throughput (req/s), latency
p50/p90/p99/max in ms."""
import argparse
import http.client
import json
import threading
import time
import urllib.parse


def run(url, clips, clients, seconds, max_requests):
    u = urllib.parse.urlsplit(url)
    lat, errors, lock = [], [0], threading.Lock()
    budget = [max_requests]
    deadline = time.monotonic() + seconds

    def client(k):
        conn = http.client.HTTPConnection(u.hostname, u.port, timeout=60)
        i = k
        while time.monotonic() < deadline:
            with lock:
                if budget[0] <= 0:
                    break
                budget[0] -= 1
            body = clips[i % len(clips)]
            i += 1
            t0 = time.perf_counter()
            try:
                conn.request("POST", "/predict", body, {"Content-Type": "audio/wav"})
                r = conn.getresponse()
                r.read()
                ok = r.status == 200
                if r.getheader("connection", "").lower() == "close":
                    conn.close()
            except (OSError, http.client.HTTPException):
                ok = False
                conn.close()
            dt = (time.perf_counter() - t0) * 1e3
            with lock:
                lat.append(dt)
                if not ok:
                    errors[0] += 1
        conn.close()

    t0 = time.perf_counter()
    threads = [threading.Thread(target=client, args=(k,)) for k in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    lat.sort()
    q = lambda p: lat[min(len(lat) - 1, int(p * len(lat)))] if lat else None  # noqa: E731
    return {"requests": len(lat), "errors": errors[0], "wall_s": wall,
            "throughput_rps": len(lat) / wall, "p50_ms": q(0.50), "p90_ms": q(0.90),
            "p99_ms": q(0.99), "max_ms": lat[-1] if lat else None,
            "clients": clients}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("url")
    ap.add_argument("clips", nargs="+")
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--seconds", type=float, default=20)
    ap.add_argument("--max-requests", type=int, default=20000)
    a = ap.parse_args()
    clips = [open(c, "rb").read() for c in a.clips]
    print(json.dumps(run(a.url, clips, a.clients, a.seconds, a.max_requests)))


if __name__ == "__main__":
    main()

"""Drives a running kith server's REST API with the list benchmark's requests and prints latency percentiles.

Usage: http_drive.py BASE_URL ADMIN_TOKEN AGENT_TOKEN. Times are client-side (HTTP on loopback, JSON included).
"""
import json
import sys
import time
import urllib.parse
import urllib.request

base, tokens = sys.argv[1], {"admin": sys.argv[2], "agent": sys.argv[3]}


def get(path, token):
    req = urllib.request.Request(base + path, headers={"Authorization": "Bearer " + token})
    t = time.perf_counter()
    with urllib.request.urlopen(req) as r:
        body = r.read()
    return (time.perf_counter() - t) * 1000, json.loads(body)


def pct(v, p):
    v = sorted(v)
    k = p * (len(v) - 1)
    lo, hi = int(k), min(int(k) + 1, len(v) - 1)
    return v[lo] + (v[hi] - v[lo]) * (k - lo)


def report(caller, what, samples):
    print(f"  {caller:5} {what:28} p50 {pct(samples, .5):8.1f} ms  p95 {pct(samples, .95):8.1f} ms  ({len(samples)} requests)")


words = ["王敏", "周强", "patricia miller", "robert kim", "3583529", "1348191"]
flt = urllib.parse.quote('stage eq customer and city eq "Shanghai"')
deep = urllib.parse.quote("stage eq customer")
for caller, token in tokens.items():
    keystrokes = [w[:n] for w in words for n in range(1, len(w) + 1) if not w[:n].endswith(" ")]
    for q in keystrokes:  # warm-up
        get("/api/v1/customers?limit=50&q=" + urllib.parse.quote(q), token)
    report(caller, "search as you type", [get("/api/v1/customers?limit=50&q=" + urllib.parse.quote(q), token)[0] for q in keystrokes * 2])
    report(caller, "first page, filter + sort", [get(f"/api/v1/customers?limit=50&sort=-signupDate&filter={flt}", token)[0] for _ in range(30)])
    cursor, rows = None, 0
    while rows < 49_950:
        size = 1000 if 49_950 - rows >= 1000 else 50
        _, page = get(f"/api/v1/customers?limit={size}&sort=-signupDate&filter={deep}" + (f"&cursor={urllib.parse.quote(cursor)}" if cursor else ""), token)
        rows += len(page["items"])
        cursor = page["nextCursor"]
    report(caller, "page 1,000 of the deep list", [get(f"/api/v1/customers?limit=50&sort=-signupDate&filter={deep}&cursor={urllib.parse.quote(cursor)}", token)[0] for _ in range(30)])
    _, page = get("/api/v1/customers?limit=200", token)
    ids = [c["id"] for c in page["items"]]
    report(caller, "GET by id", [get(f"/api/v1/customers/{i}", token)[0] for i in ids])

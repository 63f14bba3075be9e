"""Sends behavior_data.csv to a running kith server through POST /api/v1/events in batches and prints events per second.

Usage: events_drive.py BASE_URL TOKEN FILE [BATCH] [SENDERS]. The JSON bodies are built before the clock starts, so the
time is the server's (HTTP on loopback included). SENDERS (default 1) is how many connections send at once, each
taking the next batch not yet sent, the way several producers of a real stream would; with 1 the batches go one after
another, as one client sends them. The line printed says how many senders there were.
"""
import csv
import json
import sys
import threading
import time
import urllib.request

base, token, path = sys.argv[1], sys.argv[2], sys.argv[3]
size = int(sys.argv[4]) if len(sys.argv) > 4 else 10000
senders = int(sys.argv[5]) if len(sys.argv) > 5 else 1

with open(path, newline="", encoding="utf-8") as f:
    rows = list(csv.DictReader(f))
bodies = []
for i in range(0, len(rows), size):
    batch = [{"eventId": r["event_id"], "customerExternalId": r["customer_id"], "type": r["event_type"],
              "occurredAt": r["behavior_time"], **({"page": r["page"]} if r["page"] else {})} for r in rows[i:i + size]]
    bodies.append(json.dumps(batch).encode())

totals = {"accepted": 0, "duplicates": 0, "pending": 0, "errors": 0}
lock = threading.Lock()
next_body = iter(bodies)
failures = []


def send():
    while True:
        with lock:
            body = next(next_body, None)
        if body is None:
            return
        req = urllib.request.Request(base + "/api/v1/events", data=body, method="POST",
                                     headers={"Authorization": "Bearer " + token, "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req) as r:
                answer = json.loads(r.read())
        except Exception as e:  # a refused batch is a failed run: say so rather than print a rate
            with lock:
                failures.append(repr(e))
            return
        with lock:
            for k in ("accepted", "duplicates", "pending"):
                totals[k] += answer[k]
            totals["errors"] += len(answer["errors"])


start = time.perf_counter()
threads = [threading.Thread(target=send) for _ in range(senders)]
for t in threads:
    t.start()
for t in threads:
    t.join()
seconds = time.perf_counter() - start
if failures:
    sys.exit(f"  api: {len(failures)} batches failed, first: {failures[0]}")
print(f"  api, {senders} sender{'s' if senders > 1 else ''}: {len(rows):,} events in {len(bodies)} batches of {size:,}: "
      f"{seconds:.1f} s, {len(rows) / seconds:,.0f} events/s; {totals}")

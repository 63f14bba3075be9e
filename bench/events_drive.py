"""Sends behavior_data.csv to a running kith server through POST /api/v1/events in batches and prints events per second.

Usage: events_drive.py BASE_URL TOKEN FILE [BATCH]. The JSON bodies are built before the clock starts, so the time is
the server's (HTTP on loopback included), batch after batch as one client sends them.
"""
import csv
import json
import sys
import time
import urllib.request

base, token, path = sys.argv[1], sys.argv[2], sys.argv[3]
size = int(sys.argv[4]) if len(sys.argv) > 4 else 10000

with open(path, newline="", encoding="utf-8") as f:
    rows = list(csv.DictReader(f))
bodies = []
for i in range(0, len(rows), size):
    batch = [{"eventId": r["event_id"], "customerExternalId": r["customer_id"], "type": r["event_type"],
              "occurredAt": r["behavior_time"], **({"page": r["page"]} if r["page"] else {})} for r in rows[i:i + size]]
    bodies.append(json.dumps(batch).encode())

totals = {"accepted": 0, "duplicates": 0, "pending": 0, "errors": 0}
start = time.perf_counter()
for body in bodies:
    req = urllib.request.Request(base + "/api/v1/events", data=body, method="POST",
                                 headers={"Authorization": "Bearer " + token, "Content-Type": "application/json"})
    with urllib.request.urlopen(req) as r:
        answer = json.loads(r.read())
    for k in ("accepted", "duplicates", "pending"):
        totals[k] += answer[k]
    totals["errors"] += len(answer["errors"])
seconds = time.perf_counter() - start
print(f"  api: {len(rows):,} events in {len(bodies)} batches of {size:,}: {seconds:.1f} s, {len(rows) / seconds:,.0f} events/s; {totals}")

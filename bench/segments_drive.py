"""Times the live count of behaviour segments through Kith's API and the same counts in pandas, and prints ratios.

Usage: segments_drive.py BASE_URL TOKEN DATA_DIR. Kith's times are client-side over loopback HTTP (JSON included);
pandas' are the computation alone on data frames already in memory (reading the CSV files is not counted), which is
the most favourable case for it. "Now" is the end of the generated history (gen_data's events stop at the end of
2024), given to both sides, so the windows hold data.
"""
import json
import sys
import time
import urllib.request

import pandas as pd

base, token, data = sys.argv[1], sys.argv[2], sys.argv[3]


def count(flt):
    body = json.dumps({"filter": flt}).encode()
    req = urllib.request.Request(base + "/api/v1/segments/count", data=body, method="POST",
                                 headers={"Authorization": "Bearer " + token, "Content-Type": "application/json"})
    t = time.perf_counter()
    with urllib.request.urlopen(req) as r:
        answer = json.loads(r.read())
    return (time.perf_counter() - t) * 1000, answer


def pct(v, p):
    v = sorted(v)
    k = p * (len(v) - 1)
    lo, hi = int(k), min(int(k) + 1, len(v) - 1)
    return v[lo] + (v[hi] - v[lo]) * (k - lo)


ev = pd.read_csv(data + "/behavior_data.csv", parse_dates=["behavior_time"])
customers = pd.read_csv(data + "/customer_data.csv", usecols=["customer_id"])
now = pd.Timestamp.now(tz="UTC")
days_since_end = (now - ev["behavior_time"].max()).days
w30 = days_since_end + 30


def p_purchased_twice():
    recent = ev[(ev.event_type == "purchase") & (ev.behavior_time >= now - pd.Timedelta(days=w30))]
    return int((recent.groupby("customer_id").size() >= 2).sum())


def p_pricing_never_bought():
    looked = set(ev.loc[(ev.event_type == "access") & (ev.page == "/pricing"), "customer_id"])
    bought = set(ev.loc[ev.event_type == "purchase", "customer_id"])
    return len(looked - bought)


def p_liked_no_purchase_30d():
    liked = set(ev.loc[ev.event_type == "like", "customer_id"])
    recent = set(ev.loc[(ev.event_type == "purchase") & (ev.behavior_time >= now - pd.Timedelta(days=w30)), "customer_id"])
    return len(liked - recent)


cases = [
    ("purchased twice in 30 days", f"events.purchase.{w30}d ge 2", p_purchased_twice),
    ("visited /pricing, never purchased", 'visited eq "/pricing" and events.purchase eq 0', p_pricing_never_bought),
    ("liked, no purchase in 30 days", f"events.like ge 1 and events.purchase.{w30}d eq 0", p_liked_no_purchase_30d),
]
print(f"(windows stretched by {days_since_end} days to reach the end of the generated history)")
for name, flt, pandas_fn in cases:
    for _ in range(3):
        count(flt)
    samples, answer = [], None
    for _ in range(20):
        ms, answer = count(flt)
        samples.append(ms)
    t = time.perf_counter()
    expected = pandas_fn()
    pandas_ms = (time.perf_counter() - t) * 1000
    kind = "about" if answer["estimate"] else "exactly"
    print(f"  {name:36} kith p50 {pct(samples, .5):7.1f} ms  p95 {pct(samples, .95):7.1f} ms  ({kind} {answer['count']:,})"
          f"  | pandas {pandas_ms:7.1f} ms ({expected:,})  | pandas/kith p50 {pandas_ms / pct(samples, .5):5.1f}x")

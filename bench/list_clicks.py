"""The filter clicks of docs/benchmarks.md (2026-11-28, ADR-0057) against one or more running `kith serve`s, asked of
each in turn: p50/p95 wall (client side) and the server's CPU ms/request (/proc/PID/stat, so the server must be local).

Usage: list_clicks.py URL@PID[,URL@PID…] TOKEN N [LAST.json [NAME,…]]
LAST.json holds a score and an id 20 rows before the end of each score order ({"desc_value", "desc_id", "asc_value",
"asc_id"}), for the score sort's last pages; without it those two are left out."""
import base64, hashlib, json, os, sys, time, urllib.parse, urllib.request
servers = [(u, int(p)) for u, p in (x.split("@") for x in sys.argv[1].split(","))]
token, n = sys.argv[2], int(sys.argv[3])
base, pid = servers[0]
only = sys.argv[5].split(",") if len(sys.argv) > 5 else None
last = sys.argv[4] if len(sys.argv) > 4 else None
TICK = os.sysconf("SC_CLK_TCK")
def cpu():
    f = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) / TICK * 1000
def get(path):
    req = urllib.request.Request(base + path, headers={"Authorization": "Bearer " + token})
    t = time.perf_counter()
    with urllib.request.urlopen(req) as r: body = r.read()
    return (time.perf_counter() - t) * 1000, json.loads(body)
def pct(v, p):
    v = sorted(v); k = p * (len(v) - 1); lo, hi = int(k), min(int(k) + 1, len(v) - 1)
    return v[lo] + (v[hi] - v[lo]) * (k - lo)
def cursor(sort, kind, value, last_id, total, flt=""):
    h = base64.b64encode(hashlib.sha256(f"\u0001{flt}\u0001{sort}".encode()).digest()[:9]).decode()
    c = {"s": sort, "k": kind, "v": value, "i": last_id, "h": h, "t": total, "e": True}
    return base64.urlsafe_b64encode(json.dumps(c, separators=(",", ":")).encode()).decode().rstrip("=")
L = json.load(open(last)) if last else None
clicks = [
    ("stage eq customer (974)", "filter=" + urllib.parse.quote("stage eq customer")),
    ("stage eq prospect (20%)", "filter=" + urllib.parse.quote("stage eq prospect")),
    ("stage eq churned (0)", "filter=" + urllib.parse.quote("stage eq churned")),
    ("owner eq me (all)", "filter=" + urllib.parse.quote("owner eq me")),
    ("tag eq vip (489)", "filter=" + urllib.parse.quote("tag eq vip")),
    ("tag eq newsletter (30%)", "filter=" + urllib.parse.quote("tag eq newsletter")),
    ("city eq Shanghai (7%)", "filter=" + urllib.parse.quote('city eq "Shanghai"')),
    ("city eq Atlantis (0)", "filter=" + urllib.parse.quote('city eq "Atlantis"')),
    ("gender eq other (1%)", "filter=" + urllib.parse.quote("gender eq other")),
    ("phoneIsValid eq false (0)", "filter=" + urllib.parse.quote("phoneIsValid eq false")),
    ("source eq web (0)", "filter=" + urllib.parse.quote('source eq "web"')),
    ("orders ge 3", "filter=" + urllib.parse.quote("orders ge 3")),
    ("churnRisk gt 0.99", "filter=" + urllib.parse.quote("churnRisk gt 0.99")),
] + ([
    ("-churnRisk last page", "sort=-churnRisk&cursor=" + cursor("-churnRisk", "d", L["desc_value"], L["desc_id"], 977669)),
    ("churnRisk last page", "sort=churnRisk&cursor=" + cursor("churnRisk", "d", L["asc_value"], L["asc_id"], 977669)),
] if L else [])
print(f"load {os.getloadavg()}")
for name, qs in clicks:
  if only and not any(o in name for o in only): continue
  for base, pid in servers:
    path = "/api/v1/customers?limit=50&" + qs
    cold, first = get(path)
    get(path)
    walls, c0 = [], cpu()
    for _ in range(n): walls.append(get(path)[0])
    c = (cpu() - c0) / n
    print(f"{base[-4:]} {name:28} first {cold:8.1f} ms  p50 {pct(walls,.5):8.1f}  p95 {pct(walls,.95):8.1f}  cpu {c:7.1f} ms/req  "
          f"items {len(first['items'])} total {first['total']}{'~' if first['totalIsEstimate'] else ''} ids {[i['id'] for i in first['items'][:3]]}", flush=True)
print(f"load {os.getloadavg()}")

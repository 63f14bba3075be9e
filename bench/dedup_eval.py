#!/usr/bin/env python3
"""Precision and recall of the duplicates in a Kith SQLite database (merged records and flagged pairs) against
duplicates_truth.csv of gen_data.py.  Usage: dedup_eval.py KITH_DB duplicates_truth.csv"""
import sqlite3, csv, sys
db, truth = sys.argv[1], sys.argv[2]
orig = {}
for r in csv.DictReader(open(truth)):
    orig[r['customer_id']] = r['duplicate_of']
def person(ext): return orig.get(ext, ext)
c = sqlite3.connect(db)
ext = dict(c.execute("select id, external_id from customers"))
pairs = []
for mid, into in c.execute("select id, merged_into_id from customers where merged_into_id is not null"):
    pairs.append((ext[mid], ext[into], 'merged'))
for a, b in c.execute("select customer_id, other_customer_id from duplicate_pairs"):
    pairs.append((ext[a], ext[b], 'flagged'))
correct = sum(1 for a, b, _ in pairs if person(a) == person(b))
# recall: each duplicate record in truth is connected (union-find over found pairs) with a record of the same person
parent = {}
def find(x):
    while parent.get(x, x) != x:
        parent[x] = parent.get(parent[x], parent[x]); x = parent[x]
    return x
for a, b, _ in pairs:
    if person(a) == person(b): parent[find(a)] = find(b)
found = sum(1 for d, o in orig.items() if find(d) == find(o))
print(f"pairs {len(pairs)} (merged {sum(1 for p in pairs if p[2]=='merged')}, flagged {sum(1 for p in pairs if p[2]=='flagged')}); precision {correct/len(pairs):.4f}; recall {found/len(orig):.4f} ({found}/{len(orig)})")

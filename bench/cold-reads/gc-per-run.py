#!/usr/bin/env python3
"""Per run of bench/cold-read-ab.sh output with -Xlog:gc on stdout (A_OPTS/B_OPTS=-Xlog:gc): side, cold p50/p99, warm and
hot p99, GC pauses in the cold phase (between the "open" line and "requests during the cold reads") and after it:
count and longest, as a Markdown table. usage: gc-per-run.py OUTPUT.txt"""
import re, sys
runs = []
cur = None
phase = None
for line in open(sys.argv[1]):
    m = re.search(r'round (\d+) ([AB]) \(', line)
    if m:
        cur = {'round': int(m.group(1)), 'side': m.group(2), 'cold': [], 'after': [], 'before': [], 'hdr': line.strip()}
        runs.append(cur); phase = 'before'; continue
    if cur is None:
        continue
    if line.startswith('## '):
        cur = None; continue
    if line.startswith('open '):
        phase = 'cold'; continue
    if line.startswith('requests during the cold reads'):
        phase = 'after'; continue
    m = re.search(r'GC\(\d+\) Pause (\S+).* ([\d.]+)ms$', line.strip())
    if m and phase:
        cur[phase].append(float(m.group(2)))
        continue
    m = re.search(r'archived cold p50 ([\d.]+) p99 ([\d.]+) ms; archived warm p50 ([\d.]+) p99 ([\d.]+) ms; hot p50 ([\d.]+) p99 ([\d.]+)', line)
    if m:
        cur['p'] = [float(x) for x in m.groups()]
def fmt(ps):
    return '%d, max %.0f' % (len(ps), max(ps)) if ps else '0'
print('| round | side | cold p50 | cold p99 | warm p99 | hot p99 | GC pauses in cold phase (n, max ms) | after cold (n, max) |')
print('|---|---|---:|---:|---:|---:|---|---|')
for r in runs:
    p = r.get('p')
    if not p:
        print('| %d | %s | (no result) |' % (r['round'], r['side'])); continue
    print('| %d | %s | %.2f | %.1f | %.1f | %.1f | %s | %s |' % (r['round'], r['side'], p[0], p[1], p[3], p[5], fmt(r['cold']), fmt(r['after'])))

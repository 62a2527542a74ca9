#!/usr/bin/env python3
"""Per run of bench/cold-read-ab.sh output with A_OPTS/B_OPTS="-Xlog:gc:stdout:uptime -Dcoldreads.timeline=true" (session 19, h54): cold p50/p99, slow cold reads (>= 30 ms) with the GC pauses, copy chunks and span
requests that overlap them; the copy's span (first chunk start .. last chunk end) in ms since the cold phase began; a copy chunk is a 4 MiB ranged
read (or the object's last one). usage: timeline.py OUTPUT.txt"""
import re, sys
runs = []; cur = None
for line in open(sys.argv[1]):
    m = re.search(r'round (\d+) ([AB]) \((\S+) (.*)\)$', line.strip())
    if m and line.startswith('['):
        cur = {'hdr': line.strip(), 'gc': [], 'reads': [], 'chunks': [], 't0': None}
        runs.append(cur); continue
    if cur is None: continue
    m = re.match(r'\[([\d.]+)s\](?:\[info\]\[gc\s*\])? GC\(\d+\) Pause (.*?) ([\d.]+)ms$', line.strip())
    if m:
        end = float(m.group(1)) * 1000; dur = float(m.group(3))
        cur['gc'].append((end - dur, end, dur, m.group(2))); continue
    m = re.match(r'timeline t0 = JVM uptime (\d+) ms', line)
    if m: cur['t0'] = int(m.group(1)); continue
    m = re.match(r'TL read #(\d+) at ([\d.]+) ms took ([\d.]+) ms \((\d+) events\):(.*)', line)
    if m:
        cur['reads'].append((int(m.group(1)), float(m.group(2)), float(m.group(3)), int(m.group(4)), m.group(5).split())); continue
    m = re.match(r'TL copy chunks \(start\+duration ms\):(.*)', line)
    if m:
        cur['chunks'] = [tuple(map(float, x.split('+'))) for x in m.group(1).split()]; continue
    m = re.search(r'archived cold p50 ([\d.]+) p99 ([\d.]+) ms; archived warm p50 ([\d.]+) p99 ([\d.]+) ms; hot p50 ([\d.]+) p99 ([\d.]+)', line)
    if m: cur['p'] = [float(x) for x in m.groups()]
for r in runs:
    print(r['hdr'])
    p = r.get('p')
    if not p: print('  (no result)'); continue
    t0 = r['t0'] or 0
    gcs = [(s - t0, e - t0, d, k) for s, e, d, k in r['gc']]
    ch = r['chunks']
    cs = ('copy %.0f..%.0f ms (%d chunks, %.1f..%.1f ms each)' % (ch[0][0], ch[-1][0] + ch[-1][1], len(ch), min(c[1] for c in ch), max(c[1] for c in ch))) if ch else 'no copy'
    cold_end = max((x[1] + x[2] for x in r['reads']), default=0)
    cg = [g for g in gcs if g[1] > 0 and g[0] < cold_end]
    print('  cold p50 %.2f p99 %.1f | warm p99 %.1f | hot p99 %.1f | %s | cold-phase GC: %s' % (p[0], p[1], p[3], p[5], cs,
          ', '.join('%.0f@%.0f(%s)' % (g[2], g[0], g[3][:20]) for g in cg) or 'none'))
    slow = sorted(r['reads'], key=lambda x: -x[2])[:6]
    for i, at, took, ev, reqs in slow:
        if took < 20: continue
        ov = [g for g in gcs if g[0] < at + took and g[1] > at]
        inflight = [c for c in ch if c[0] < at + took and c[0] + c[1] > at]
        spans = [q for q in reqs if q.startswith('s')]
        print('   #%d at %.0f took %.1f (%d ev): GC %s; copy chunks overlapping %d; spans %d: %s' % (
            i, at, took, ev, ','.join('%.0f' % g[2] for g in ov) or '-', len(inflight), len(spans), ' '.join(spans)[:160]))

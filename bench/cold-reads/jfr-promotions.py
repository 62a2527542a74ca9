#!/usr/bin/env python3
"""What young GC pauses copied and what was allocated in a time window of a JFR recording (session 18, h51): GCs
starting in the window; per GC the recorded promotions (jdk.PromoteObjectInNewPLAB/OutsidePLAB, which must be enabled:
`jfr configure --input profile jdk.PromoteObjectInNewPLAB#enabled=true jdk.PromoteObjectOutsidePLAB#enabled=true
jdk.ObjectAllocationSample#stackTrace=true --output promo.jfc`) by class, byte[] of 16 KiB or more by size; allocation
samples by class and first project/SDK frame. These events record objects copied outside a PLAB and the first object
of each new PLAB, so small objects are under-counted: take totals from -Xlog:gc+plab=debug.
usage: jfr-promotions.py REC.jfr START_ISO END_ISO"""
import json, os, subprocess, sys, collections, datetime
JFR = os.path.join(os.environ.get('JAVA_HOME', '/usr/lib/jvm/temurin-25-jdk-amd64'), 'bin', 'jfr')
rec, t0, t1 = sys.argv[1], sys.argv[2], sys.argv[3]
def ts(s):
    s = s.replace('Z', '+00:00')
    if '.' in s:
        head, frac = s.split('.', 1)
        tz = frac[frac.index('+'):] if '+' in frac else ''
        frac = frac[:frac.index('+')] if '+' in frac else frac
        s = head + '.' + frac[:6].ljust(6, '0') + tz
    return datetime.datetime.fromisoformat(s)
T0, T1 = ts(t0), ts(t1)
def events(names, stack=1):
    out = subprocess.run([JFR, 'print', '--json', '--stack-depth', str(stack), '--events', names, rec],
                         capture_output=True, text=True).stdout
    return json.loads(out)['recording']['events']
gcs = {}
for e in events('jdk.GarbageCollection'):
    v = e['values']
    st = ts(v['startTime'])
    gcs[v['gcId']] = (st, v['name'], v['cause'], v['sumOfPauses'], v['longestPause'])
inwin = {g for g, (st, *_) in gcs.items() if T0 <= st <= T1}
print('GCs in window:', sorted(inwin))
for g in sorted(inwin):
    print('  GC', g, gcs[g])
promo = collections.defaultdict(lambda: collections.Counter())
promo_n = collections.defaultdict(lambda: collections.Counter())
for e in events('jdk.PromoteObjectInNewPLAB,jdk.PromoteObjectOutsidePLAB'):
    v = e['values']
    g = v['gcId']
    if g not in inwin:
        continue
    cls = v['objectClass']['name'] if v.get('objectClass') else '?'
    size = v['objectSize']
    key = cls + (' [%d B]' % size if cls in ('byte[]', '[B') and size >= 16384 else '')
    key += ' (tenured)' if v.get('tenured') else ''
    promo[g][key] += size
    promo_n[g][key] += 1
for g in sorted(promo):
    tot = sum(promo[g].values())
    print('GC %d copied %.1f MB in %d objects; top:' % (g, tot / 1e6, sum(promo_n[g].values())))
    for k, b in promo[g].most_common(8):
        print('   %8.2f MB %7d  %s' % (b / 1e6, promo_n[g][k], k))
alloc = collections.Counter()
for e in events('jdk.ObjectAllocationSample', 40):
    v = e['values']
    if not (T0 <= ts(v['startTime']) <= T1):
        continue
    cls = v['objectClass']['name'] if v.get('objectClass') else '?'
    frames = (v.get('stackTrace') or {}).get('frames') or []
    site = '?'
    for f in frames:
        m = f['method']
        name = m['type']['name'] + '.' + m['name']
        if any(p in name for p in ('dev/hindsight', 'software/amazon/awssdk/services', 'IoUtils', 'ArchiveCache')):
            site = name + ':' + str(f.get('lineNumber'))
            break
    top = frames[0]['method']['type']['name'] + '.' + frames[0]['method']['name'] if frames else '?'
    alloc[(cls, site, top)] += v['weight']
tot = sum(alloc.values())
print('allocation samples in window: %.1f MB (weight); top:' % (tot / 1e6))
for (cls, site, top), w in alloc.most_common(15):
    print('   %8.1f MB  %-10s  %s  <- %s' % (w / 1e6, cls, site, top))

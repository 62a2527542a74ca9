#!/usr/bin/env python3
"""The per-second view of a bench/pg-serve-profile.sh round.

  pg-serve-seconds.py --cpu SERVE_PID FILE   samples the CPU ticks of every java and postgres process once a second
                                             into FILE until SERVE_PID exits
  pg-serve-seconds.py DIR                    for each second of the measured phase: completions, serve's and loadgen's
                                             GC pauses starting in it (ms), CPU ticks of serve / loadgen / PostgreSQL
                                             (100 = one core) and the pg_stat_activity samples of that second
                                             (CKPT-START, CKPT-SYNC: a checkpoint began, or was in its sync phase)
"""
import collections
import datetime as dt
import json
import os
import re
import sys
import time

PG_LOG = '/var/log/postgresql/postgresql-15-main.log'


def sample_cpu(serve_pid, path):
    with open(path, 'w') as out:
        while os.path.exists('/proc/' + serve_pid):
            t = dt.datetime.now(dt.timezone.utc).strftime('%H:%M:%S.%f')[:12]
            for p in os.listdir('/proc'):
                if not p.isdigit():
                    continue
                try:
                    st = open('/proc/' + p + '/stat').read()
                    cmd = open('/proc/' + p + '/cmdline').read().replace('\0', ' ')[:60]
                except OSError:
                    continue
                r = st.rfind(')')
                if st[st.find('(') + 1:r] not in ('postgres', 'java'):
                    continue
                f = st[r + 2:].split()
                out.write(f"{t} {p} {int(f[11]) + int(f[12])} {cmd}\n")
            out.flush()
            time.sleep(1 - time.time() % 1)


def seconds(d):
    lg = json.load(open(d + '/lg.json'))
    phase = lg['phases'][-1]
    done = phase['events_per_second_timeline']
    start = dt.datetime.fromisoformat(lg['started_at'].replace('Z', '+00:00')).timestamp() + lg['warmup']['seconds']
    day = dt.datetime.fromtimestamp(start, dt.timezone.utc).strftime('%Y-%m-%d')

    def at(hms):
        return dt.datetime.fromisoformat(day + 'T' + hms + '+00:00').timestamp()

    def sec(t):
        return int(t - start)

    gc = {'serve': collections.Counter(), 'loadgen': collections.Counter()}
    for who, f in (('serve', 'serve-gc.log'), ('loadgen', 'lg-gc.log')):
        if not os.path.exists(d + '/' + f):
            continue
        for line in open(d + '/' + f):
            m = re.match(r'\[(\S+?)\].*GC\(\d+\) Pause .* ([\d.]+)ms$', line)
            if m:
                end = dt.datetime.fromisoformat(m.group(1).replace('+0000', '+00:00')).timestamp()
                gc[who][sec(end - float(m.group(2)) / 1000)] += float(m.group(2))
    pg = collections.defaultdict(collections.Counter)
    for line in open(d + '/pgsamples.txt'):
        p = line.rstrip('\n').split('|')
        if len(p) < 5:
            continue
        s, kind, wait = sec(at(p[0])), p[1], p[2]
        if kind == 'client backend':
            pg[s]['CPU' if wait == 'CPU:-' else wait.split(':')[1]] += 1
        elif kind == 'autovacuum worker':
            pg[s]['autovacuum'] += 1
        elif not wait.startswith(('Timeout', 'Activity')):
            pg[s][kind + ':' + wait] += 1
    if os.path.exists(PG_LOG):
        for line in open(PG_LOG, errors='replace'):
            m = re.match(r'(\S+ \S+) UTC \[\d+\] LOG:  checkpoint (starting|complete)(.*)', line)
            if not m:
                continue
            t = dt.datetime.fromisoformat(m.group(1) + '+00:00').timestamp()
            if m.group(2) == 'starting':
                pg[sec(t)]['CKPT-START'] += 1
            else:
                sync = float(re.search(r'sync=([\d.]+) s', m.group(3)).group(1))
                for x in range(sec(t - sync), sec(t) + 1):
                    pg[x]['CKPT-SYNC'] += 1
    events = open(d + '/events.txt').read()
    pids = {re.search(r'serve pid (\d+)', events).group(1): 'serve',
            re.search(r'loadgen pid (\d+)', events).group(1): 'loadgen'}
    prev, cpu = {}, collections.defaultdict(collections.Counter)
    for line in open(d + '/cpu.txt'):
        p = line.split(None, 3)
        if len(p) < 3:
            continue
        who = pids.get(p[1], 'postgres' if len(p) > 3 and 'postgres' in p[3] else 'other')
        if p[1] in prev:
            cpu[sec(at(p[0]))][who] += int(p[2]) - prev[p[1]]
        prev[p[1]] = int(p[2])
    n = len(done)
    print(f"measured phase from {dt.datetime.fromtimestamp(start, dt.timezone.utc).time()}, {n} s")
    print("sec done serveGC lgGC | CPU serve loadgen postgres | pg_stat_activity samples")
    for s in range(n):
        c = cpu[s]
        print(f"{s:3d} {done[s]:5d} {gc['serve'][s]:6.0f} {gc['loadgen'][s]:5.0f} | {c['serve']:4d} {c['loadgen']:4d}"
              f" {c['postgres']:4d} | {dict(pg[s])}")
    windows = [sum(done[i:i + 5]) / 5 for i in range(0, n - 5, 5)]
    print('5-s windows:', ' '.join(f"{i * 5}s:{w:.0f}" for i, w in enumerate(windows)))


if __name__ == '__main__':
    if sys.argv[1] == '--cpu':
        sample_cpu(sys.argv[2], sys.argv[3])
    else:
        seconds(sys.argv[1])

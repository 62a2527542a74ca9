#!/usr/bin/env python3
"""Where a test run's time went: sums and sorts the surefire and failsafe reports of the given module directories.

    scripts/test-times.py cli store-file          # the modules' target/{surefire,failsafe}-reports
    scripts/test-times.py --cases 20 cli          # also the 20 slowest test cases
    scripts/test-times.py --compare A/cli B/cli   # per class, two copies of the same module's reports side by side

Prints per module the sum of the test classes' times (what the brief compares: wall clock moves with the machine's
load, a class's own time moves less), unit tests and ITs apart, then the classes slowest first. Reads the JUnit XML
reports (TEST-*.xml); a module without reports prints nothing for it.
"""
import argparse
import glob
import os
import sys
import xml.etree.ElementTree as ET


def classes(module):
    """{class simple name: (seconds, tests, 'UT' | 'IT', [(seconds, case)])} from a module's reports."""
    out = {}
    for kind, sub in (("UT", "surefire-reports"), ("IT", "failsafe-reports")):
        for f in sorted(glob.glob(os.path.join(module, "target", sub, "TEST-*.xml"))):
            root = ET.parse(f).getroot()
            name = root.get("name", os.path.basename(f)).rsplit(".", 1)[-1]
            cases = [(float(c.get("time") or 0), c.get("name")) for c in root.iter("testcase")]
            out[name] = (float(root.get("time") or 0), int(root.get("tests") or 0), kind, cases)
    return out


def summary(module, n_classes, n_cases):
    cs = classes(module)
    if not cs:
        print(f"{module}: no reports")
        return
    ut = sum(v[0] for v in cs.values() if v[2] == "UT")
    it = sum(v[0] for v in cs.values() if v[2] == "IT")
    print(f"{module}: {ut + it:.1f} s in {len(cs)} classes (unit {ut:.1f} s, IT {it:.1f} s)")
    for name, (sec, tests, kind, _) in sorted(cs.items(), key=lambda kv: -kv[1][0])[:n_classes]:
        print(f"  {sec:8.2f} s  {kind}  {tests:3d} tests  {name}")
    if n_cases:
        cases = sorted(((s, f"{name}#{c}") for name, v in cs.items() for s, c in v[3]), reverse=True)
        print(f"  slowest {n_cases} cases:")
        for sec, case in cases[:n_cases]:
            print(f"  {sec:8.2f} s  {case}")


def compare(a, b):
    ca, cb = classes(a), classes(b)
    print(f"{'class':50s} {'A (s)':>8s} {'B (s)':>8s}")
    for name in sorted(set(ca) | set(cb), key=lambda n: -max(ca.get(n, (0,))[0], cb.get(n, (0,))[0])):
        ta = f"{ca[name][0]:8.2f}" if name in ca else f"{'-':>8s}"
        tb = f"{cb[name][0]:8.2f}" if name in cb else f"{'-':>8s}"
        print(f"{name:50s} {ta} {tb}")
    common = set(ca) & set(cb)
    print(f"{'sum over the classes in both':50s} {sum(ca[n][0] for n in common):8.1f} {sum(cb[n][0] for n in common):8.1f}")


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("modules", nargs="+", help="module directories (with target/*-reports)")
    p.add_argument("--classes", type=int, default=15, help="slowest classes to list per module (default 15)")
    p.add_argument("--cases", type=int, default=0, help="slowest test cases to list per module (default none)")
    p.add_argument("--compare", action="store_true", help="two module directories: their classes side by side")
    args = p.parse_args()
    if args.compare:
        if len(args.modules) != 2:
            sys.exit("--compare takes two module directories")
        compare(*args.modules)
        return
    for m in args.modules:
        summary(m, args.classes, args.cases)


if __name__ == "__main__":
    main()

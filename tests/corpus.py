#!/usr/bin/env python3
# corpus.py - how much of real Postfix lines the parser extracts as Postfix
# writes them (issue #11: at least 95 % of the fields).
#
#   tests/corpus.py [-v] [--min PCT] [--report BIN] [DIR]
#
# DIR (tests/data/corpus) holds one directory per source, each with a
# lines.jsonl: {"line": a whole syslog line, "fields": {name: value}} per
# line, names as sentinel-report --explain prints them (queue_id,
# client_host, client_ip, client_port, relay_host, ..., status, dsn, ...).
# Every line goes through `sentinel-report --explain`; a field counts when
# the line's object has it with the expected value (compared as text).
# Printed per source, for the Postfix sources together and overall: lines,
# lines parsed to a kind (not unparsed or ignored), expected fields, fields
# equal, and the share.  A source whose name ends in -exim or -sendmail is
# another MTA's.  -v lists every missed field.  The exit status is 1 when
# the Postfix sources' share is below --min (default 0: measure only).
import argparse
import json
import os
import subprocess
import sys
import tempfile

NOT_A_KIND = ("unparsed", "ignored", "forged")


def load(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(l) for l in f if l.strip()]


def explain(report, lines):
    with tempfile.NamedTemporaryFile("w", suffix=".log", encoding="utf-8") as f:
        for l in lines:
            if "\n" in l or "\r" in l:
                sys.exit("corpus.py: a line holds a line break: %r" % l)
            f.write(l + "\n")
        f.flush()
        out = subprocess.run([report, "--explain", f.name], capture_output=True,
                             text=True, check=True).stdout.splitlines()
    if len(out) != len(lines):
        sys.exit("corpus.py: %d lines in, %d objects out" % (len(lines), len(out)))
    return [json.loads(o) for o in out]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-v", action="store_true")
    ap.add_argument("--min", type=float, default=0.0)
    ap.add_argument("--report", default="build/sentinel-report")
    ap.add_argument("dir", nargs="?", default="tests/data/corpus")
    a = ap.parse_args()

    total, pf = [0, 0, 0, 0], [0, 0, 0, 0]
    row = "%-18s %6d %6d %7d %7d %6.1f%%"
    print("%-18s %6s %6s %7s %7s %7s" % ("source", "lines", "kind", "fields", "equal", "%"))
    for src in sorted(os.listdir(a.dir)):
        path = os.path.join(a.dir, src, "lines.jsonl")
        if not os.path.isfile(path):
            continue
        cases = load(path)
        objs = explain(a.report, [c["line"] for c in cases])
        n = [len(cases), 0, 0, 0]
        for c, o in zip(cases, objs):
            if o.get("kind") not in NOT_A_KIND:
                n[1] += 1
            for k, v in c["fields"].items():
                n[2] += 1
                got = o.get(k)
                if got is not None and str(got) == str(v):
                    n[3] += 1
                elif a.v:
                    print("  miss %s %s: want %r got %r (kind %s)\n    %s" %
                          (src, k, v, got, o.get("kind"), c["line"]))
        total = [t + x for t, x in zip(total, n)]
        if not src.endswith(("-exim", "-sendmail")):
            pf = [t + x for t, x in zip(pf, n)]
        print(row % (src, n[0], n[1], n[2], n[3], 100.0 * n[3] / max(n[2], 1)))
    share = 100.0 * pf[3] / max(pf[2], 1)
    print(row % ("postfix sources", pf[0], pf[1], pf[2], pf[3], share))
    print(row % ("all", total[0], total[1], total[2], total[3],
                 100.0 * total[3] / max(total[2], 1)))
    if share < a.min:
        print("corpus.py: %.1f %% of the Postfix lines' fields, below %.1f %%" % (share, a.min))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

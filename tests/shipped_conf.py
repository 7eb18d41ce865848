#!/usr/bin/env python3
# shipped_conf.py SRC DST WORK PORT - the shipped configuration SRC, every
# line kept, with only what must not touch the host changed: the maillog
# (WORK/mail.log, read from the beginning, a file), the state directory,
# the metrics port, the control socket and the quarantine under WORK.
# Each of those keys must be in SRC (else it fails: the copy would not be
# the shipped config).  Used by tests/integration/test_replay.sh and
# tests/bench/maillog_bench.sh.
import re
import sys

src, dst, work, port = sys.argv[1:]
set_to = {("maillog", "path"): work + "/mail.log", ("maillog", "start"): "beginning",
          ("maillog", "source"): "file",
          ("daemon", "state_dir"): work + "/state", ("metrics", "listen"): "127.0.0.1:" + port,
          ("control", "socket"): work + "/control.sock",
          ("actions", "quarantine_dir"): work + "/quarantine"}
section, out, done = None, [], set()
for line in open(src):
    m = re.match(r"\[(\w+)\]", line)
    if m:
        section = m.group(1)
    m = re.match(r"(\w+)\s*=", line)
    if m and (section, m.group(1)) in set_to:
        line = "%s = %s\n" % (m.group(1), set_to[(section, m.group(1))])
        done.add((section, m.group(1)))
    out.append(line)
assert done == set(set_to), set(set_to) - done
open(dst, "w").write("".join(out))

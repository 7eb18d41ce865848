#!/usr/bin/env python3
# import_crowdsec.py - tests/data/corpus/crowdsec/lines.jsonl from the postfix
# parser tests of crowdsecurity/hub (MIT): .tests/postfix-*/ hold real lines
# (*.log) and parser.assert, the fields crowdsecurity/postfix-logs must parse
# from each (results["s01-parse"]["crowdsecurity/postfix-logs"][I].Evt.Parsed).
#
#   tests/data/corpus/import_crowdsec.py GIT_DIR COMMIT > tests/data/corpus/crowdsec/lines.jsonl
#
# Renamed: remote_addr client_ip, remote_host client_host, command stage
# (of a NOQUEUE ACTION: STAGE from line; for "non-SMTP command" it is the
# client's text, not kept), smtp_enhanced_status_code dsn.  Not kept: helo,
# which that parser takes from the first <...> of the reply text (it is not
# the HELO name), and reason/message_failure (cut differently from ours).
import json
import re
import subprocess
import sys

RENAME = {"remote_addr": "client_ip", "remote_host": "client_host",
          "command": "stage", "smtp_enhanced_status_code": "dsn"}
ASSERT = re.compile(r'^results\["s01-parse"\]\["crowdsecurity/postfix-logs"\]\[(\d+)\]'
                    r'\.Evt\.Parsed\["(\w+)"\] == "(.*)"$')


def git(gitdir, *args):
    return subprocess.run(["git", "--git-dir", gitdir] + list(args), capture_output=True,
                          text=True, check=True).stdout


def main():
    gitdir, commit = sys.argv[1], sys.argv[2]
    files = git(gitdir, "ls-tree", "-r", "--name-only", commit, ".tests/").split()
    for d in sorted({f.split("/")[1] for f in files if f.startswith(".tests/postfix")}):
        logs = [f for f in files if f.startswith(".tests/%s/" % d) and f.endswith(".log")]
        if len(logs) != 1:
            continue
        lines = git(gitdir, "show", "%s:%s" % (commit, logs[0])).splitlines()
        parsed = {}
        for a in git(gitdir, "show", "%s:.tests/%s/parser.assert" % (commit, d)).splitlines():
            m = ASSERT.match(a)
            if m:
                parsed.setdefault(int(m.group(1)), {})[m.group(2)] = \
                    json.loads('"%s"' % m.group(3))
        for i, line in enumerate(lines):
            if not line.strip():
                continue
            p = parsed.get(i, {})
            if p.get("message") and not line.endswith(p["message"]):
                sys.exit("import_crowdsec.py: %s: result %d is not line %d" % (d, i, i))
            fields = {}
            for k, v in p.items():
                if k == "command" and "non-SMTP command" in line:
                    continue
                if k in RENAME:
                    fields[RENAME[k]] = v
            print(json.dumps({"line": line, "fields": fields, "src": "%s:%d" % (logs[0], i + 1)},
                             ensure_ascii=False))


if __name__ == "__main__":
    main()

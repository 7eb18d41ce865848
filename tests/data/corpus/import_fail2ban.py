#!/usr/bin/env python3
# import_fail2ban.py - tests/data/corpus/fail2ban*/lines.jsonl from
# fail2ban/tests/files/logs/LOG of fail2ban/fail2ban (GPL-2.0-or-later):
# real lines, each after a "# failJSON: {...}" comment saying whether the
# filter matches it and which host (the client's address) it bans.
#
#   tests/data/corpus/import_fail2ban.py GIT_DIR COMMIT [LOG...] > lines.jsonl
#
# LOG: postfix (the default), exim, exim-spam, sendmail-auth, sendmail-reject.
# A line with "match": true and a "host" expects client_ip = host; other
# lines are kept with no expected field (they count as lines only).
import json
import subprocess
import sys


def main():
    gitdir, commit = sys.argv[1], sys.argv[2]
    for log in sys.argv[3:] or ["postfix"]:
        lines(gitdir, commit, log)


def lines(gitdir, commit, log):
    text = subprocess.run(["git", "--git-dir", gitdir, "show",
                           "%s:fail2ban/tests/files/logs/%s" % (commit, log)],
                          capture_output=True, text=True, check=True).stdout
    want = None
    for n, line in enumerate(text.splitlines(), 1):
        if line.startswith("# failJSON:"):
            want = json.loads(line[len("# failJSON:"):])
            continue
        if not line.strip() or line.startswith("#"):
            continue
        fields = {}
        if want and want.get("match") and want.get("host"):
            fields["client_ip"] = want["host"]
        print(json.dumps({"line": line, "fields": fields, "src": "%s:%d" % (log, n)},
                         ensure_ascii=False))
        want = None


if __name__ == "__main__":
    main()

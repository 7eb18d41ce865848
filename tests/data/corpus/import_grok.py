#!/usr/bin/env python3
# import_grok.py - tests/data/corpus/grok/lines.jsonl from the test/ directory
# of whyscream/postfix-grok-patterns (BSD-3-Clause).
#
#   tests/data/corpus/import_grok.py GIT_DIR COMMIT > tests/data/corpus/grok/lines.jsonl
#
# Each test there is one message text, the grok pattern that parses it
# (POSTFIX_SMTPD: the text of postfix/smtpd) and the fields that pattern must
# capture.  A line here is that text behind a syslog header of its program;
# its fields are the captures renamed to sentinel-report --explain's names.
# postfix_keyvalue_data is split as the project's logstash filter does
# (logstash kv: split at spaces and '=', trim "<>," from values), then
# client= and relay= as its POSTFIX_CLIENT and POSTFIX_RELAY do.  A capture
# with no name in our vocabulary is kept under "unmapped" (not measured).
import json
import re
import subprocess
import sys

import yaml

PROGRAM = {
    "POSTFIX_SMTPD": "postfix/smtpd", "POSTFIX_SMTP": "postfix/smtp",
    "POSTFIX_QMGR": "postfix/qmgr", "POSTFIX_CLEANUP": "postfix/cleanup",
    "POSTFIX_BOUNCE": "postfix/bounce", "POSTFIX_POSTSCREEN": "postfix/postscreen",
    "POSTFIX_ANVIL": "postfix/anvil", "POSTFIX_DNSBLOG": "postfix/dnsblog",
    "POSTFIX_ERROR": "postfix/error", "POSTFIX_LMTP": "postfix/lmtp",
    "POSTFIX_LOCAL": "postfix/local", "POSTFIX_MASTER": "postfix/master",
    "POSTFIX_PICKUP": "postfix/pickup", "POSTFIX_PIPE": "postfix/pipe",
    "POSTFIX_POSTDROP": "postfix/postdrop", "POSTFIX_POSTMAP": "postfix/postmap",
    "POSTFIX_POSTSUPER": "postfix/postsuper", "POSTFIX_RELAY": None,
    "POSTFIX_SCACHE": "postfix/scache", "POSTFIX_SCRIPT": "postfix/postfix-script",
    "POSTFIX_SENDMAIL": "postfix/sendmail", "POSTFIX_TLSMGR": "postfix/tlsmgr",
    "POSTFIX_TLSPROXY": "postfix/tlsproxy",
    "POSTFIX_TRIVIAL_REWRITE": "postfix/trivial-rewrite",
    "POSTFIX_VERIFY": "postfix/verify", "POSTFIX_VIRTUAL": "postfix/virtual",
    "POSTFIX_DISCARD": "postfix/discard",
}

# grok capture -> our field (None: no such field here)
RENAME = {
    "postfix_queueid": "queue_id", "postfix_client_hostname": "client_host",
    "postfix_client_ip": "client_ip", "postfix_client_ip_unknown": "client_ip",
    "postfix_client_port": "client_port", "postfix_relay_hostname": "relay_host",
    "postfix_relay_ip": "relay_ip", "postfix_relay_port": "relay_port",
    "postfix_status": "status", "postfix_smtp_stage": "stage",
    "postfix_status_code_enhanced": "dsn", "postfix_from": "from",
    "postfix_bounce_queueid": "notification_queue_id",
    "postfix_bounce_recipient": "notification_to",
    "postfix_bounce_reason": "notification",
    "postfix_postsuper_summary_count": "count",
    "postfix_postsuper_summary_action": "status",
    "postfix_tls_trustlevel": "status",
}
# the text in (...) after status=: a delivery's TEXT
RESPONSE = ("postfix_smtp_response", "postfix_local_response", "postfix_pipe_response",
            "postfix_error_response")
KV = {
    "to": "to", "from": "from", "orig_to": "orig_to", "delay": "delay",
    "delays": "delays", "dsn": "dsn", "tls": "tls", "conn_use": "conn_use",
    "size": "size", "nrcpt": "nrcpt", "sasl_method": "sasl_method",
    "sasl_username": "sasl_username", "sasl_sender": "sasl_sender",
    "message-id": "message_id", "proto": "proto", "helo": "helo", "uid": "uid",
}
HOSTNAME = r"[0-9A-Za-z_.-]+"
CLIENT = re.compile(r"(?P<host>%s)?\[(?P<ip>[^\]]*)\](?::(?P<port>\d+))?$" % HOSTNAME)
RELAY = re.compile(r"(?P<host>%s)?\[(?P<ip>[^\]]*)\](?::(?P<port>\d+))?$|(?P<word>\w+)$" %
                   HOSTNAME)


def kv(data, fields, unmapped):
    for tok in data.split(" "):
        if "=" not in tok:
            continue
        k, v = tok.split("=", 1)
        v = v.strip("<>,")
        if k == "client":
            m = CLIENT.match(v)
            if m:
                for g, f in (("host", "client_host"), ("ip", "client_ip"),
                             ("port", "client_port")):
                    if m.group(g) is not None:
                        fields[f] = m.group(g)
        elif k == "relay":
            m = RELAY.match(v)
            if m and m.group("word"):
                fields["relay_host"] = m.group("word")
            elif m:
                for g, f in (("host", "relay_host"), ("ip", "relay_ip"),
                             ("port", "relay_port")):
                    if m.group(g) is not None:
                        fields[f] = m.group(g)
        elif k in KV:
            fields[KV[k]] = v
        else:
            unmapped[k] = v


def main():
    git, commit = sys.argv[1], sys.argv[2]
    names = subprocess.run(["git", "--git-dir", git, "ls-tree", "-r", "--name-only",
                            commit, "test/"], capture_output=True, text=True,
                           check=True).stdout.split()
    n = 0
    for name in sorted(names):
        if not name.endswith(".yaml"):
            continue
        t = yaml.safe_load(subprocess.run(["git", "--git-dir", git, "show",
                                           "%s:%s" % (commit, name)],
                                          capture_output=True, text=True,
                                          check=True).stdout)
        pat = re.search(r"%\{(\w+)\}", t["pattern"]).group(1)
        prog = PROGRAM.get(pat)
        if not prog:
            continue	# a sub-pattern's test: no whole message
        fields, unmapped = {}, {}
        for k, v in (t.get("results") or {}).items():
            v = str(v)
            if k == "postfix_keyvalue_data":
                kv(v, fields, unmapped)
            elif k in RESPONSE:
                fields["text"] = v
            elif k == "postfix_queueid" and v == "NOQUEUE":
                continue
            elif k == "postfix_relay_service":
                pass	# relay=WORD, or what stands in [...]: from kv
            elif RENAME.get(k):
                fields.setdefault(RENAME[k], v)
            else:
                unmapped[k] = v
        # yaml's "\r\n" is a real CR LF; Postfix logs it as the four
        # characters \r\n (smtpd_chat's printable form)
        data = t["data"].replace("\r", "\\r").replace("\n", "\\n")
        n += 1
        line = "Dec  7 10:%02d:%02d mail %s[%d]: %s" % (n // 60 % 60, n % 60, prog,
                                                      1000 + n, data)
        out = {"line": line, "fields": fields, "src": name}
        if unmapped:
            out["unmapped"] = unmapped
        print(json.dumps(out, ensure_ascii=False))


if __name__ == "__main__":
    main()

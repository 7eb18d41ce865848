// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz_maillog.c - libFuzzer target for everything that reads a log line.
 *
 * Each input is split into lines; each line goes through syslog_parse(),
 * postfix_parse(), slice_copy() of every field a caller might keep, and the
 * in-flight message table (small, so eviction and expiry run too).  Built
 * with -fsanitize=fuzzer,address,undefined by `make fuzz`; any crash,
 * over-read or undefined behaviour is a finding.  The seed corpus in
 * tests/fuzz/corpus/ holds real Postfix lines and hostile ones.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "maillog/messages.h"
#include "maillog/postfix.h"
#include "maillog/syslog.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static unsigned long accepted_count, deliveries_count;

static void on_accepted(const struct message *m, void *arg)
{
	(void)arg;
	accepted_count += m->identity[0] != '\0';
}

static void on_delivery(const struct message *m, enum msg_status s, time_t t, void *arg)
{
	(void)arg;
	(void)t;
	deliveries_count += (unsigned long)s + (m->qid[0] != '\0');
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = { "postfix", "postfix-out", NULL };
	static const char *const local[] = { "example.org", NULL };
	const struct msg_config cfg = { .max_messages = 8, .grace = 5, .max_age = 60,
					.local_domains = local };
	const struct msg_callbacks cb = { on_accepted, on_delivery, NULL };
	struct msg_table *t = msg_table_new(&cfg, &cb);
	const char *p = (const char *)data, *end = p + size;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		struct syslog_line sl;
		struct postfix_record r;

		if (syslog_parse(&sl, p, len, 1795000000) == SYSLOG_OK &&
		    postfix_parse(&r, sl.program, sl.msg, names) > POSTFIX_IGNORED) {
			char buf[POSTFIX_ADDR_MAX];

			for (int f = 0; f < POSTFIX_F_COUNT; f++)
				slice_copy(buf, postfix_field_max((enum postfix_field)f),
					   postfix_get(&r, (enum postfix_field)f));
			msg_table_expire(t, sl.time);
			msg_table_record(t, &sl, &r);
		}
		p += len + 1;
	}
	msg_table_flush(t);
	msg_table_free(t);
	return 0;
}

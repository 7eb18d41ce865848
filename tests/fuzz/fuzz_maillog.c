// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz_maillog.c - libFuzzer target for everything that reads a log line.
 *
 * Each input is split into lines; each line goes through maillog_header()
 * and maillog_parse() (format.h) in every format, slice_copy() of every
 * field a caller might keep, the split of a Sendmail recipient list, and,
 * as format auto reads it, the in-order feed into the in-flight message
 * table (small, so eviction, expiry and the feed's sessions run too).
 * Built with -fsanitize=fuzzer,address,undefined by `make fuzz`; any
 * crash, over-read or undefined behaviour is a finding.  The seed corpus
 * in tests/fuzz/corpus/ holds real Postfix, Sendmail and Exim lines and
 * hostile ones.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "maillog/format.h"
#include "maillog/messages.h"
#include "maillog/postfix.h"
#include "maillog/sendmail.h"
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

/* Every field a caller might keep, copied as it would keep it. */
static void copy_fields(const struct postfix_record *r)
{
	char buf[POSTFIX_ADDR_MAX];
	struct slice list = postfix_get(r, POSTFIX_F_TO), rcpt;

	for (int f = 0; f < POSTFIX_F_COUNT; f++)
		slice_copy(buf, postfix_field_max((enum postfix_field)f),
			   postfix_get(r, (enum postfix_field)f));
	while (sendmail_next_rcpt(&list, &rcpt))
		slice_copy(buf, sizeof(buf), rcpt);
}

static void emit(const struct syslog_line *sl, const struct postfix_record *r, void *arg)
{
	copy_fields(r);
	msg_table_record(arg, sl, r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = { "postfix", "postfix-out", NULL };
	static const char *const local[] = { "example.org", NULL };
	static const enum maillog_format formats[] = {
		MAILLOG_POSTFIX, MAILLOG_SENDMAIL, MAILLOG_EXIM, MAILLOG_AUTO,
	};
	const struct msg_config cfg = { .max_messages = 8, .grace = 5, .max_age = 60,
					.local_domains = local };
	const struct msg_callbacks cb = { on_accepted, on_delivery, NULL, NULL, NULL };
	struct msg_table *t = msg_table_new(&cfg, &cb);
	struct maillog_feed *feed = maillog_feed_new(t);
	const char *p = (const char *)data, *end = p + size;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		struct syslog_line sl;
		struct postfix_record r;

		for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
			if (maillog_header(&sl, p, len, 1795000000, formats[i]) != SYSLOG_OK ||
			    maillog_parse(&r, formats[i], &sl, names) <= POSTFIX_IGNORED)
				continue;
			copy_fields(&r);
			if (formats[i] == MAILLOG_AUTO) {
				msg_table_expire(t, sl.time);
				maillog_feed(feed, &sl, &r, emit, t);
			}
		}
		p += len + 1;
	}
	msg_table_flush(t);
	maillog_feed_free(feed);
	msg_table_free(t);
	return 0;
}

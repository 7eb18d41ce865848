// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_messages_state.c - the message table's snapshot (messages_state.c):
 * a table built from real Postfix lines, saved and loaded into a new table,
 * is the same table: every field, first-seen and removed order, expiry,
 * acceptance once, held messages, and the pending logins of the maillog
 * feed (format.h); past its byte bound the oldest messages are left out
 * and counted; a damaged or hostile file is refused whole (every byte
 * flipped, every cut, thousands of mutations with a valid checksum, and
 * hand-made faults), never half loaded, never a crash; a file of version
 * 1, from before the pending logins were kept, still loads, and so does a
 * file written by the writer before it moved to binfile.c.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "maillog/format.h"
#include "maillog/messages.h"
#include "maillog/postfix.h"
#include "maillog/syslog.h"

/* testutil.c's (its header's sl, rec and seen are this file's own names) */
void assert_same_file(const char *a, const char *b);

#define REF ((time_t)1795748400)	/* 2026-11-27T03:00:00Z */
#define T_020513 ((time_t)1795745113)	/* Nov 27 02:05:13 UTC */
#define NAME "maillog.messages"
#define BOUND ((size_t)1 << 20)
#define POSITIONS "2049 1234 5678 0 0 0 /var/log/mail.log\n"

struct seen {
	char accepted[16][MSG_IDENTITY_MAX];
	int naccepted;
	char delivered[16][MSG_IDENTITY_MAX];
	int ndelivered;
};

static struct seen seen;
static struct msg_table *tab;
static struct maillog_feed *lender;	/* of tab, when it has pending logins */
static char base[64];

static void drop_lender(void)
{
	maillog_feed_free(lender);	/* and tab keeps no pointer to it */
	lender = NULL;
}

static void on_accepted(const struct message *m, void *arg)
{
	struct seen *s = arg;

	assert_true(s->naccepted < 16);
	snprintf(s->accepted[s->naccepted++], MSG_IDENTITY_MAX, "%s", m->identity);
}

static void on_delivery(const struct message *m, enum msg_status st, time_t t, void *arg)
{
	struct seen *s = arg;

	(void)st;
	(void)t;
	assert_true(s->ndelivered < 16);
	snprintf(s->delivered[s->ndelivered++], MSG_IDENTITY_MAX, "%s", m->identity);
}

static const char *const local_domains[] = { "example.org", NULL };

static struct msg_table *new_table(size_t max, bool callbacks)
{
	struct msg_config cfg = { max, 60, 86400, local_domains };
	struct msg_callbacks cb = { on_accepted, on_delivery, &seen, NULL, NULL };

	return msg_table_new(&cfg, callbacks ? &cb : NULL);
}

/* stderr to /dev/null (true), or back. */
static void quiet(bool on)
{
	static int stderr_fd = -1;

	if (on) {
		int null = open("/dev/null", O_WRONLY);

		assert_true(null >= 0);
		fflush(stderr);
		stderr_fd = dup(STDERR_FILENO);
		dup2(null, STDERR_FILENO);
		close(null);
	} else if (stderr_fd >= 0) {
		fflush(stderr);
		dup2(stderr_fd, STDERR_FILENO);
		close(stderr_fd);
		stderr_fd = -1;
	}
}

static int setup(void **state)
{
	(void)state;
	setenv("TZ", "UTC", 1);
	tzset();
	memset(&seen, 0, sizeof(seen));
	strcpy(base, "/tmp/sentinel-msgstate-XXXXXX");
	assert_non_null(mkdtemp(base));
	tab = new_table(100, true);
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	quiet(false);
	drop_lender();
	msg_table_free(tab);
	tab = NULL;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", base);
	assert_int_equal(system(cmd), 0);
	return 0;
}

static void feed_to(struct msg_table *t, const char *line)
{
	struct syslog_line sl;
	struct postfix_record rec;

	assert_int_equal(syslog_parse(&sl, line, strlen(line), REF), SYSLOG_OK);
	assert_true(postfix_parse(&rec, sl.program, sl.msg, NULL) > POSTFIX_IGNORED);
	msg_table_record(t, &sl, &rec);
}

static void feed(const char *line)
{
	feed_to(tab, line);
}

/* ---- pending logins: Sendmail lines through the feed ---- */

#define AUTH_ALICE "Nov 27 02:05:10 mx1 sm-mta[4242]: AUTH=server, relay=x.example " \
	"[198.51.100.7], authid=alice@example.org, mech=PLAIN, bits=256"
#define AUTH_BELA "Nov 27 02:05:11 mx1 sendmail[777]: AUTH=server, relay=[IPv6:2001:db8::7], " \
	"authid=b\xc3\xa9la, mech=CRAM-MD5, bits=0"
#define FROM_ALICE "Nov 27 02:05:14 mx1 sm-mta[4242]: qARA5ExA004242: " \
	"from=<alice@example.org>, size=900, class=0, nrcpts=1, proto=ESMTPA, daemon=MTA, " \
	"relay=x.example [198.51.100.7]"
#define FROM_BELA "Nov 27 02:05:15 mx1 sendmail[777]: qARA5FxB000777: from=<b@example.org>, " \
	"size=90, class=0, nrcpts=1, proto=ESMTPA, daemon=MTA, relay=[IPv6:2001:db8::7]"

static void emit_to(const struct syslog_line *l, const struct postfix_record *r, void *arg)
{
	msg_table_record(arg, l, r);
}

/* A line of any MTA, through the feed f, into its table t. */
static void feed_via(struct maillog_feed *f, struct msg_table *t, const char *line)
{
	struct syslog_line sl;
	struct postfix_record rec;

	assert_int_equal(maillog_header(&sl, line, strlen(line), REF, MAILLOG_AUTO), SYSLOG_OK);
	assert_true(maillog_parse(&rec, MAILLOG_AUTO, &sl, NULL) > POSTFIX_IGNORED);
	maillog_feed(f, &sl, &rec, emit_to, t);
}


/* The pending logins of AUTH_ALICE and AUTH_BELA, in a feed lending them
 * to tab until drop_lender(). */
static void add_logins(void)
{
	lender = maillog_feed_new(tab);
	feed_via(lender, tab, AUTH_ALICE);
	feed_via(lender, tab, AUTH_BELA);
}


static struct msg_save_stats saved;

/* Save tab, then load it into a new table of max messages, which becomes
 * tab (the old one is returned: the caller frees it). */
static struct msg_table *restart(size_t max)
{
	struct msg_table *old = tab;
	uint64_t generation = 0;
	char *positions = NULL;

	assert_int_equal(msg_table_save(tab, base, NAME, BOUND, 42, POSITIONS, &saved), 0);
	tab = new_table(max, true);
	memset(&seen, 0, sizeof(seen));
	assert_int_equal(msg_table_load(tab, base, NAME, BOUND, &generation, &positions), 0);
	assert_int_equal(generation, 42);
	assert_string_equal(positions, POSITIONS);
	free(positions);
	return old;
}

/* Save the table (into saved) and replace it by an empty one of max. */
static void save_and_renew(size_t max)
{
	assert_int_equal(msg_table_save(tab, base, NAME, BOUND, 1, POSITIONS, &saved), 0);
	msg_table_free(tab);
	tab = new_table(max, true);
}

static const struct message *msg(const char *instance, const char *qid)
{
	return msg_table_find(tab, instance, qid);
}

static size_t table_size(const struct msg_table *t)
{
	struct msg_stats st;

	msg_table_stats(t, &st);
	return st.size;
}

static void assert_same_message(const struct message *a, const struct message *b)
{
	assert_non_null(a);
	assert_non_null(b);
	assert_string_equal(a->instance, b->instance);
	assert_string_equal(a->qid, b->qid);
	assert_string_equal(a->identity, b->identity);
	assert_string_equal(a->client_ip, b->client_ip);
	assert_string_equal(a->sender, b->sender);
	assert_int_equal(a->has_sender, b->has_sender);
	assert_int_equal(a->sender_local, b->sender_local);
	assert_int_equal(a->accepted, b->accepted);
	assert_int_equal(a->held, b->held);
	assert_int_equal(a->reinjected, b->reinjected);
	assert_int_equal(a->removed, b->removed);
	assert_int_equal(a->nrcpt, b->nrcpt);
	assert_int_equal(a->size, b->size);
	for (int s = 0; s < MSG_NSTATUS; s++)
		assert_int_equal(a->deliveries[s], b->deliveries[s]);
	assert_int_equal(a->first, b->first);
	assert_int_equal(a->last, b->last);
	assert_int_equal(a->accepted_at, b->accepted_at);
	assert_int_equal(a->removed_at, b->removed_at);
	assert_int_equal(a->notify, b->notify);
	assert_string_equal(a->orig_qid, b->orig_qid);
}

#include "postfix_lines.h"

/* A client= line of qid from 192.0.2.<n> at 02:<min>:00. */
static void client_line(char *line, size_t cap, const char *qid, int n, int min)
{
	snprintf(line, cap, "Nov 27 02:%02d:00 mx1 postfix/smtpd[1]: %s: "
		 "client=unknown[192.0.2.%d]", min, qid, n);
}

/* ---- round trip ------------------------------------------------------------ */

/* Every kind of message the table holds, with every field set somewhere. */
static void build_varied_table(void)
{
	feed(SUBMIT);
	feed(QUEUED);
	feed(SENT);
	feed(DEFERRED);
	feed("Nov 27 02:05:50 mx1 postfix/smtp[3334]: 4F3A21C0B2: to=<c@example.net>, "
	     "relay=mx.example.net[198.51.100.5]:25, delay=0.5, delays=0/0/0/0.5, "
	     "dsn=5.1.1, status=bounced (host said: 550 5.1.1 no such user)");
	feed("Nov 27 02:05:51 mx1 postfix/smtp[3334]: 4F3A21C0B2: to=<d@example.net>, "
	     "relay=none, delay=432000, delays=432000/0/0/0, dsn=4.4.1, "
	     "status=expired, returned to sender");
	feed(REMOVED);
	feed("Nov 27 02:06:00 mx1 postfix/pickup[5555]: 5C1B2C3D4E: uid=1000 from=<www-data>");
	feed("Nov 27 02:06:00 mx1 postfix/qmgr[1111]: 5C1B2C3D4E: "
	     "from=<www-data@evil.example>, size=500, nrcpt=1 (queue active)");
	feed("Nov 27 02:06:01 mx1 postfix-out/smtpd[12345]: 5C1B2C3D4E: "
	     "client=mail.example.net[2001:db8::25]");
	feed(REINJECT_CLIENT);	/* held until its hand-off links it */
	feed(REINJECT_QUEUED);
	feed(REINJECT_SENT);
	feed("Nov 27 02:07:00 mx1 postfix/smtpd[1]: 6D1B2C3D4E: "
	     "client=unknown[203.0.113.9], sasl_method=LOGIN, sasl_username=b\xc3\xa9la");
}

static void test_round_trip_keeps_every_field_of_every_message(void **state)
{
	static const char *const keys[][2] = {
		{ "postfix", "4F3A21C0B2" }, { "postfix", "5C1B2C3D4E" },
		{ "postfix-out", "5C1B2C3D4E" }, { "postfix", "7B8C9D0E1F" },
		{ "postfix", "6D1B2C3D4E" },
	};
	struct msg_table *old;

	(void)state;
	build_varied_table();
	assert_true(msg("postfix", "7B8C9D0E1F")->held);
	old = restart(100);
	assert_int_equal(table_size(tab), 5);
	assert_int_equal(saved.saved, 5);
	assert_int_equal(saved.omitted, 0);
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		assert_same_message(msg_table_find(old, keys[i][0], keys[i][1]),
				    msg(keys[i][0], keys[i][1]));
	assert_string_equal(msg("postfix", "6D1B2C3D4E")->identity, "sasl:b\xc3\xa9la");
	assert_int_equal(seen.naccepted + seen.ndelivered, 0);	/* a load reports nothing */
	msg_table_free(old);
}

static void test_empty_table_round_trips(void **state)
{
	struct msg_table *old;

	(void)state;
	old = restart(100);
	assert_int_equal(table_size(tab), 0);
	assert_int_equal(saved.saved, 0);
	msg_table_free(old);
}

static void test_missing_file_is_enoent_and_leaves_the_table_empty(void **state)
{
	uint64_t generation;
	char *positions = (char *)"x";

	(void)state;
	assert_int_equal(msg_table_load(tab, base, NAME, BOUND, &generation, &positions), -1);
	assert_int_equal(errno, ENOENT);
	assert_null(positions);
	assert_int_equal(table_size(tab), 0);
}

static void test_load_into_a_table_in_use_is_refused_and_keeps_it(void **state)
{
	uint64_t generation;
	char *positions;
	struct msg_save_stats st;

	(void)state;
	feed(SUBMIT);
	assert_int_equal(msg_table_save(tab, base, NAME, BOUND, 1, "", &st), 0);
	assert_int_equal(msg_table_load(tab, base, NAME, BOUND, &generation, &positions), -1);
	assert_int_equal(errno, EINVAL);
	assert_non_null(msg("postfix", "4F3A21C0B2"));
}

/* ---- after a restart ------------------------------------------------------- */

/* The issue: client= and qmgr before the restart, the rest after. */
static void test_delivery_after_restart_counts_for_the_identity_and_acceptance_once(void **state)
{
	(void)state;
	feed(SUBMIT);
	feed(QUEUED);
	assert_int_equal(seen.naccepted, 1);
	msg_table_free(restart(100));
	feed(QUEUED);		/* read again after a crash: not a new acceptance */
	feed(SENT);
	feed(REMOVED);
	assert_int_equal(seen.naccepted, 0);
	assert_int_equal(seen.ndelivered, 1);
	assert_string_equal(seen.delivered[0], "sasl:alice@example.org");
	assert_true(msg("postfix", "4F3A21C0B2")->removed);
}

static void test_held_copy_is_linked_by_a_handoff_after_restart(void **state)
{
	(void)state;
	feed(SUBMIT);
	feed(QUEUED);
	feed(REINJECT_CLIENT);
	feed(REINJECT_QUEUED);
	feed(REINJECT_SENT);
	assert_int_equal(seen.ndelivered, 0);
	msg_table_free(restart(100));
	feed(HANDOFF);
	assert_int_equal(seen.naccepted, 0);	/* the original was accepted before */
	assert_int_equal(seen.ndelivered, 1);
	assert_string_equal(seen.delivered[0], "sasl:alice@example.org");
	assert_false(msg("postfix", "7B8C9D0E1F")->held);
}

/* A, B, C first seen in that order, removed C, A, B: the removed list keeps
 * the order of the removed lines, so expiry after the grace still works. */
static void test_removed_order_survives_and_expiry_works_after_restore(void **state)
{
	char line[160];
	struct msg_stats st;

	(void)state;
	client_line(line, sizeof(line), "AAAAAAAAAA", 1, 10);
	feed(line);
	client_line(line, sizeof(line), "BBBBBBBBBB", 2, 11);
	feed(line);
	client_line(line, sizeof(line), "CCCCCCCCCC", 3, 12);
	feed(line);
	client_line(line, sizeof(line), "DDDDDDDDDD", 4, 13);
	feed(line);
	feed("Nov 27 02:20:00 mx1 postfix/qmgr[1]: CCCCCCCCCC: removed");
	feed("Nov 27 02:21:00 mx1 postfix/qmgr[1]: AAAAAAAAAA: removed");
	feed("Nov 27 02:22:00 mx1 postfix/qmgr[1]: BBBBBBBBBB: removed");
	msg_table_free(restart(100));
	msg_table_expire(tab, REF - 2340 + 60);	/* 02:21:00 + grace */
	assert_null(msg("postfix", "CCCCCCCCCC"));
	assert_null(msg("postfix", "AAAAAAAAAA"));
	assert_non_null(msg("postfix", "BBBBBBBBBB"));
	msg_table_expire(tab, REF - 2280 + 60);
	assert_null(msg("postfix", "BBBBBBBBBB"));
	/* first-seen order: D, never removed, expires at max_age */
	msg_table_expire(tab, REF - 2820 + 86399);
	assert_non_null(msg("postfix", "DDDDDDDDDD"));
	msg_table_expire(tab, REF - 2820 + 86400);
	assert_null(msg("postfix", "DDDDDDDDDD"));
	msg_table_stats(tab, &st);
	assert_int_equal(st.expired_removed, 3);
	assert_int_equal(st.expired_age, 1);
	assert_int_equal(st.size, 0);
}

static void test_first_seen_order_survives(void **state)
{
	char line[160], qid[16], qids[8][POSTFIX_QID_MAX], *positions;
	uint64_t generation;

	(void)state;
	for (int i = 0; i < 6; i++) {
		snprintf(qid, sizeof(qid), "%010d", 6 - i);	/* not sorted by name */
		snprintf(line, sizeof(line), "Nov 27 02:%02d:00 mx1 postfix/smtpd[1]: %s: "
			 "client=unknown[192.0.2.1], sasl_method=PLAIN, sasl_username=eve", i, qid);
		feed(line);
	}
	msg_table_free(restart(100));
	assert_int_equal(msg_table_queued(tab, "sasl:eve", qids, 8), 6);
	for (int i = 0; i < 6; i++) {
		snprintf(qid, sizeof(qid), "%010d", i + 1);	/* newest first */
		assert_string_equal(qids[i], qid);
	}
	/* the oldest is evicted first when the table fills */
	msg_table_free(tab);
	tab = new_table(6, true);
	assert_int_equal(msg_table_load(tab, base, NAME, BOUND, &generation, &positions), 0);
	free(positions);
	feed(SUBMIT);
	assert_null(msg("postfix", "0000000006"));
	assert_non_null(msg("postfix", "0000000005"));
}

/* ---- bounds ------------------------------------------------------------------ */

static void test_past_the_byte_bound_the_oldest_are_left_out_and_counted(void **state)
{
	enum { N = 40 };
	char line[160], qid[16];
	struct msg_save_stats st;
	struct stat sb;
	uint64_t generation;
	char *positions, path[128];
	size_t bound = 900;

	(void)state;
	for (int i = 0; i < N; i++) {
		snprintf(qid, sizeof(qid), "%010X", i + 1);
		client_line(line, sizeof(line), qid, i, 10 + i);
		feed(line);
		if (i % 4 == 0) {
			snprintf(line, sizeof(line), "Nov 27 02:%02d:30 mx1 postfix/qmgr[1]: "
				 "%s: removed", 10 + i, qid);
			feed(line);
		}
	}
	assert_int_equal(msg_table_save(tab, base, NAME, bound, 3, POSITIONS, &st), 0);
	assert_true(st.omitted > 0 && st.saved > 0);
	assert_int_equal(st.saved + st.omitted, N);
	snprintf(path, sizeof(path), "%s/%s", base, NAME);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal((size_t)sb.st_size, st.bytes);
	assert_true(st.bytes <= bound);

	msg_table_free(tab);
	tab = new_table(100, true);
	assert_int_equal(msg_table_load(tab, base, NAME, bound, &generation, &positions), 0);
	free(positions);
	assert_int_equal(table_size(tab), st.saved);
	for (int i = 0; i < N; i++) {
		snprintf(qid, sizeof(qid), "%010X", i + 1);
		if ((size_t)i < st.omitted)
			assert_null(msg("postfix", qid));
		else
			assert_non_null(msg("postfix", qid));
	}
	msg_table_expire(tab, REF + 86400);
	assert_int_equal(table_size(tab), 0);
}

static void test_file_over_the_readers_bound_is_refused(void **state)
{
	uint64_t generation;
	char *positions;

	(void)state;
	build_varied_table();
	save_and_renew(100);
	assert_int_equal(msg_table_load(tab, base, NAME, saved.bytes - 1, &generation,
					&positions), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(table_size(tab), 0);
}

static void test_more_messages_than_the_table_holds_is_refused(void **state)
{
	uint64_t generation;
	char *positions;

	(void)state;
	build_varied_table();
	save_and_renew(4);
	assert_int_equal(msg_table_load(tab, base, NAME, BOUND, &generation, &positions), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(table_size(tab), 0);
}

/* ---- damaged and hostile files ------------------------------------------------ */

struct file {
	unsigned char b[8192];
	size_t n;
};

static unsigned char *read_whole(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf = malloc(BOUND);

	assert_non_null(f);
	assert_non_null(buf);
	*n = fread(buf, 1, BOUND, f);
	fclose(f);
	return buf;
}

/* A new file each time: ext4 flushes a file truncated and written again. */
static void write_whole(const char *path, const unsigned char *p, size_t n)
{
	FILE *f;

	unlink(path);
	f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(p, 1, n, f), n);
	assert_int_equal(fclose(f), 0);
}

/* The checksum of p[0, n - 4) into its last 4 bytes. */
static void fix_crc(unsigned char *p, size_t n)
{
	uLong c = crc32(crc32(0L, Z_NULL, 0), p, (uInt)(n - 4));

	for (int i = 0; i < 4; i++)
		p[n - 4 + i] = (unsigned char)(c >> (8 * i));
}

/* Load path into a fresh table without callbacks, and use what loaded:
 * 0 loaded, -1 refused cleanly, 1 anything else (checked by the caller:
 * stderr may be quiet). */
static int try_load(size_t max)
{
	struct msg_table *t = new_table(max, false);
	struct maillog_feed *f = maillog_feed_new(t);
	uint64_t generation;
	char *positions = NULL;
	int rc = msg_table_load(t, base, NAME, 16384, &generation, &positions);

	if (rc == 0) {
		if (!positions || table_size(t) > max)
			rc = 1;
		feed_to(t, SUBMIT);
		feed_to(t, QUEUED);
		feed_to(t, REMOVED);
		feed_via(f, t, FROM_ALICE);	/* joins what loaded, if anything */
		feed_via(f, t, AUTH_BELA);
		msg_table_flush(t);
		msg_table_expire(t, (time_t)1 << 42);
		if (table_size(t) != 0)
			rc = 1;
	} else if (errno != EINVAL || positions || table_size(t) != 0) {
		rc = 1;
	}
	free(positions);
	maillog_feed_free(f);
	msg_table_free(t);
	return rc;
}

static const char *save_varied(unsigned char **buf, size_t *n)
{
	static char path[128];
	struct msg_save_stats st;

	build_varied_table();
	add_logins();
	assert_int_equal(msg_table_save(tab, base, NAME, BOUND, 9, POSITIONS, &st), 0);
	assert_int_equal(st.logins, 2);
	drop_lender();
	snprintf(path, sizeof(path), "%s/%s", base, NAME);
	*buf = read_whole(path, n);
	assert_int_equal(*n, st.bytes);
	return path;
}

static void test_every_flipped_bit_and_every_cut_is_refused(void **state)
{
	unsigned char *good, *bad;
	size_t n, flipped = (size_t)-1, cut = (size_t)-1;
	const char *path;

	(void)state;
	path = save_varied(&good, &n);
	assert_int_equal(try_load(100), 0);
	bad = malloc(n);
	assert_non_null(bad);
	quiet(true);
	for (size_t i = 0; i < n && flipped == (size_t)-1; i++) {
		memcpy(bad, good, n);
		bad[i] ^= (unsigned char)(1u << (i % 8));
		write_whole(path, bad, n);
		if (try_load(100) != -1)
			flipped = i;
	}
	for (size_t len = 0; len < n && cut == (size_t)-1; len++) {
		write_whole(path, good, len);
		if (try_load(100) != -1)
			cut = len;
	}
	quiet(false);
	assert_int_equal(flipped, (size_t)-1);	/* the first byte not refused */
	assert_int_equal(cut, (size_t)-1);
	free(bad);
	free(good);
}

/* Mutations with the checksum made right again: what an attacker who can
 * write the file would try.  Each load succeeds with a usable table or
 * refuses the whole file; ASan and UBSan watch. */
static void test_mutated_files_with_a_valid_checksum_load_whole_or_not_at_all(void **state)
{
	unsigned char *good, *bad;
	size_t n, head;
	const char *path;
	uint32_t x = 2463534242u;
	int loaded = 0, broken = -1;

	(void)state;
	path = save_varied(&good, &n);
	head = (size_t)((unsigned char *)memchr(good, '\n', n) - good) + 1;
	bad = malloc(n + 64);
	assert_non_null(bad);
	quiet(true);		/* a refusal is logged: thousands of lines */
	for (int round = 0; round < 10000 && broken < 0; round++) {
		size_t len = n;
		int k;

		memcpy(bad, good, n);
		x ^= x << 13, x ^= x >> 17, x ^= x << 5;
		k = 1 + (int)(x % 3);
		while (k--) {
			x ^= x << 13, x ^= x >> 17, x ^= x << 5;
			bad[head + x % (n - 4 - head)] = (unsigned char)(x >> 24);
		}
		if (round % 7 == 0) {	/* and cut, or grow */
			x ^= x << 13, x ^= x >> 17, x ^= x << 5;
			len = head + 4 + x % (n + 32 - head);
			if (len > n)
				memset(bad + n - 4, (int)(x >> 8) & 0xff, len - n + 4);
		}
		fix_crc(bad, len);
		write_whole(path, bad, len);
		switch (try_load(round % 2 ? 100 : 3)) {
		case 0:
			loaded++;
			break;
		case 1:
			broken = round;
			break;
		default:
			break;
		}
	}
	quiet(false);
	assert_int_equal(broken, -1);	/* the first round that loaded half */
	assert_true(loaded > 0);	/* some mutations are harmless */
	free(bad);
	free(good);
}

/* Hand-made files: a valid one, then one fault at a time. */
enum {
	F_RECORD = 1, F_ACCEPTED = 4, F_REMOVED = 32, F_SAME_INSTANCE = 64, F_NOTIFICATION = 1024,
};

static void put(struct file *f, const void *p, size_t n)
{
	assert_true(f->n + n <= sizeof(f->b));
	memcpy(f->b + f->n, p, n);
	f->n += n;
}

static void put_varint(struct file *f, uint64_t v)
{
	unsigned char b;

	do {
		b = (unsigned char)(v & 0x7f);
		v >>= 7;
		b |= v ? 0x80 : 0;
		put(f, &b, 1);
	} while (v);
}

static void put_signed(struct file *f, int64_t v)
{
	put_varint(f, ((uint64_t)v << 1) ^ (v < 0 ? UINT64_MAX : 0));
}

static void put_string(struct file *f, const char *s)
{
	put_varint(f, strlen(s));
	put(f, s, strlen(s));
}

static void put_head(struct file *f, const char *version)
{
	f->n = 0;
	put(f, "smtp-sentinel message table ", 28);
	put(f, version, strlen(version));
	put(f, "\n", 1);
	put_varint(f, 5);		/* generation */
	put_string(f, POSITIONS);
}

struct rec {
	uint64_t flags;
	const char *instance, *qid, *identity, *sender;
	int64_t nrcpt, first, removed_at;
	uint64_t sent;
	uint64_t notify;		/* with F_NOTIFICATION (version 3) */
	const char *orig;
};

static void put_record(struct file *f, const struct rec *r)
{
	put_varint(f, r->flags);
	if (!(r->flags & F_SAME_INSTANCE))
		put_string(f, r->instance);
	put_string(f, r->qid);
	put_string(f, r->identity);
	put_string(f, "192.0.2.1");
	put_string(f, r->sender);
	if (r->flags & F_NOTIFICATION) {
		put_varint(f, r->notify);
		put_string(f, r->orig);
	}
	put_signed(f, r->nrcpt);
	put_signed(f, 100);
	put_varint(f, r->sent);
	put_varint(f, 0);
	put_varint(f, 0);
	put_varint(f, 0);
	put_signed(f, r->first);
	put_signed(f, 0);
	if (r->flags & F_ACCEPTED)
		put_signed(f, 0);
	if (r->flags & F_REMOVED)
		put_signed(f, r->removed_at);
}

static void write_made(struct file *f)
{
	char path[128];

	put(f, "\0\0\0\0", 4);
	fix_crc(f->b, f->n);
	snprintf(path, sizeof(path), "%s/%s", base, NAME);
	write_whole(path, f->b, f->n);
}

static int load_made(struct file *f)
{
	write_made(f);
	return try_load(2);
}

/* Two messages, the older removed: records newest first, then the list. */
static void make_tail(struct file *f, const char *version, struct rec r0, struct rec r1,
		      const char *tail, size_t n)
{
	put_head(f, version);
	put_record(f, &r0);
	put_record(f, &r1);
	put_varint(f, 0);
	put(f, tail, n);
}

static void make(struct file *f, const char *version, struct rec r0, struct rec r1)
{
	make_tail(f, version, r0, r1, "\x01\x01", 2);	/* one removed: record 1 */
}

static const struct rec R0 = { F_RECORD | F_ACCEPTED, "postfix", "QID0000001", "sasl:bob",
			       "bob@example.org", 1, T_020513, 0, 1, 0, NULL };
static const struct rec R1 = { F_RECORD | F_REMOVED, "postfix", "QID0000002", "client:x",
			       "", -1, -60, 30, 0, 0, NULL };

static void test_hand_made_file_loads_and_each_fault_refuses_it(void **state)
{
	struct file f;
	struct rec a, b;
	char big[400];

	(void)state;
	make(&f, "1", R0, R1);
	assert_int_equal(load_made(&f), 0);		/* the control */

	make(&f, "2", R0, R1);
	assert_int_equal(load_made(&f), -1);		/* version 2 without its logins */
	make(&f, "01x", R0, R1);
	assert_int_equal(load_made(&f), -1);

	a = R0, a.flags |= 1u << 12;
	make(&f, "1", a, R1);
	assert_int_equal(load_made(&f), -1);		/* an unknown flag */
	a = R0, a.flags &= ~(uint64_t)F_RECORD;
	make(&f, "1", a, R1);
	assert_int_equal(load_made(&f), -1);
	a = R0, a.flags |= F_SAME_INSTANCE;
	make(&f, "1", a, R1);
	assert_int_equal(load_made(&f), -1);		/* SAME as nothing */

	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	a = R0, a.identity = big;
	make(&f, "1", a, R1);
	assert_int_equal(load_made(&f), -1);		/* longer than its buffer */
	a = R0, a.sender = "bob\xff@example.org";
	make(&f, "1", a, R1);
	assert_int_equal(load_made(&f), -1);		/* not UTF-8 */
	a = R0, a.qid = "QID\xc0\x80";
	make(&f, "1", a, R1);
	assert_int_equal(load_made(&f), -1);		/* an overlong NUL */
	a = R0, a.instance = "post/fix";
	make(&f, "1", a, R1);
	assert_int_equal(load_made(&f), -1);		/* would make keys ambiguous */
	b = R1, b.qid = R0.qid;
	make(&f, "1", R0, b);
	assert_int_equal(load_made(&f), -1);		/* a queue id twice */

	a = R0, a.first = (int64_t)1 << 41;
	make(&f, "1", a, R1);
	assert_int_equal(load_made(&f), -1);		/* a time out of range */
	a = R0, a.first = INT64_MIN;
	make(&f, "1", a, R1);
	assert_int_equal(load_made(&f), -1);
	b = R1, b.removed_at = INT64_MAX;
	make(&f, "1", R0, b);
	assert_int_equal(load_made(&f), -1);
	a = R0, a.nrcpt = -2;
	make(&f, "1", a, R1);
	assert_int_equal(load_made(&f), -1);		/* a negative count */
	a = R0, a.sent = (uint64_t)1 << 40;
	make(&f, "1", a, R1);
	assert_int_equal(load_made(&f), -1);		/* too many deliveries */

	make_tail(&f, "1", R0, R1, "\x01\x02", 2);
	assert_int_equal(load_made(&f), -1);		/* no record 2 */
	make_tail(&f, "1", R0, R1, "\x01\x00", 2);
	assert_int_equal(load_made(&f), -1);		/* record 0 is not removed */
	make_tail(&f, "1", R0, R1, "\x02\x01\x01", 3);
	assert_int_equal(load_made(&f), -1);		/* two removed, one flagged */
	make_tail(&f, "1", R0, R1, "\x00", 1);
	assert_int_equal(load_made(&f), -1);		/* a removed one not listed */
	make_tail(&f, "1", R0, R1, "\x01\x01\x00", 3);
	assert_int_equal(load_made(&f), -1);		/* bytes left over */
	make_tail(&f, "1", R0, R1, "\x01\x81\x80\x80\x80\x80\x80\x80\x80\x80\x80\x00", 12);
	assert_int_equal(load_made(&f), -1);		/* a number past 64 bits */

	put_head(&f, "1");				/* three for a table of two */
	put_record(&f, &R0);
	b = R1, b.flags = F_RECORD;
	put_record(&f, &b);
	b.qid = "QID0000003";
	put_record(&f, &b);
	put(&f, "\x00\x00", 2);
	assert_int_equal(load_made(&f), -1);
}

/* Version 2: a pending login after the positions, then R0 and R1. */
struct login {
	const char *instance;
	uint64_t pid;
	int64_t at;
	const char *ip, *user, *method;
};

static const struct login L0 = { "sm-mta", 4242, T_020513 - 3, "198.51.100.7",
				 "alice@example.org", "PLAIN" };

static void make_logins(struct file *f, uint64_t count, const struct login *l)
{
	put_head(f, "2");
	put_varint(f, count);
	if (l) {
		put_string(f, l->instance);
		put_varint(f, l->pid);
		put_signed(f, l->at);
		put_string(f, l->ip);
		put_string(f, l->user);
		put_string(f, l->method);
	}
	put_record(f, &R0);
	put_record(f, &R1);
	put_varint(f, 0);
	put(f, "\x01\x01", 2);
}

/* Load the file into a table of 2 with a feed, and feed FROM_ALICE: the
 * identity it gets ("" when the load failed). */
static const char *alice_after_load(void)
{
	static char identity[MSG_IDENTITY_MAX];
	struct msg_table *t = new_table(2, false);
	struct maillog_feed *f = maillog_feed_new(t);
	uint64_t generation;
	char *positions = NULL;
	const struct message *m;

	identity[0] = '\0';
	if (msg_table_load(t, base, NAME, BOUND, &generation, &positions) == 0) {
		assert_int_equal(table_size(t), 2);
		feed_via(f, t, FROM_ALICE);
		m = msg_table_find(t, "sm-mta", "qARA5ExA004242");
		assert_non_null(m);
		snprintf(identity, sizeof(identity), "%s", m->identity);
	}
	free(positions);
	maillog_feed_free(f);
	msg_table_free(t);
	return identity;
}

static void test_pending_logins_round_trip_with_the_messages(void **state)
{
	struct msg_table *t;
	struct maillog_feed *f;
	uint64_t generation, before;
	char *positions;

	(void)state;
	build_varied_table();
	before = msg_table_changes(tab);
	add_logins();
	assert_true(msg_table_changes(tab) != before);	/* the next save writes them */
	assert_int_equal(msg_table_save(tab, base, NAME, BOUND, 4, POSITIONS, &saved), 0);
	assert_int_equal(saved.saved, 5);
	assert_int_equal(saved.logins, 2);
	assert_int_equal(saved.logins_omitted, 0);

	t = new_table(100, false);
	f = maillog_feed_new(t);
	assert_int_equal(msg_table_load(t, base, NAME, BOUND, &generation, &positions), 0);
	free(positions);
	assert_int_equal(table_size(t), 5);
	feed_via(f, t, FROM_ALICE);
	feed_via(f, t, FROM_BELA);
	assert_string_equal(msg_table_find(t, "sm-mta", "qARA5ExA004242")->identity,
			    "sasl:alice@example.org");
	assert_string_equal(msg_table_find(t, "sendmail", "qARA5FxB000777")->identity,
			    "sasl:b\xc3\xa9la");
	maillog_feed_free(f);
	msg_table_free(t);
}

/* ---- bounce notifications ------------------------------------------------- */

static void test_notification_round_trips_and_stays_a_notification(void **state)
{
	struct msg_table *old;
	struct msg_stats st;
	char qids[4][POSTFIX_QID_MAX];
	const struct message *m;

	(void)state;
	feed(SUBMIT);
	feed(QUEUED);
	feed(BOUNCED);
	feed(NOTIFY);
	feed(NOTIFY_QUEUED);
	old = restart(100);
	assert_same_message(msg_table_find(old, "postfix", "8E2B1A0C3D"),
			    msg("postfix", "8E2B1A0C3D"));
	m = msg("postfix", "8E2B1A0C3D");
	assert_int_equal(m->notify, MSG_NOTIFY_FAILURE);
	assert_string_equal(m->orig_qid, "4F3A21C0B2");
	assert_string_equal(m->identity, "sasl:alice@example.org");
	/* after the restart: still not alice's mail, and the line read again links nothing */
	assert_int_equal(msg_table_queued(tab, "sasl:alice@example.org", qids, 4), 1);
	assert_string_equal(qids[0], "4F3A21C0B2");
	feed(NOTIFY);
	feed(NOTIFY_SENT);
	msg_table_stats(tab, &st);
	assert_int_equal(st.forged + st.notifications, 0);
	assert_int_equal(seen.ndelivered, 1);
	assert_string_equal(seen.delivered[0], "sasl:alice@example.org");
	msg_table_free(old);
}

static void test_hand_made_notification_loads_from_version_3_only(void **state)
{
	static const struct rec N = { F_RECORD | F_NOTIFICATION, "postfix", "QID0000003",
				      "sasl:bob", "", 1, T_020513, 0, 1, 1, "QID0000001" };
	struct file f;
	struct rec n;
	uint64_t generation;
	char *positions = NULL;

	(void)state;
	put_head(&f, "3");
	put_varint(&f, 0);		/* no pending login */
	put_record(&f, &N);
	put_record(&f, &R0);
	put(&f, "\x00\x00", 2);		/* no removed one */
	assert_int_equal(load_made(&f), 0);	/* the control */
	assert_int_equal(msg_table_load(tab, base, NAME, BOUND, &generation, &positions), 0);
	free(positions);
	assert_int_equal(msg("postfix", "QID0000003")->notify, MSG_NOTIFY_FAILURE);
	assert_string_equal(msg("postfix", "QID0000003")->orig_qid, "QID0000001");

	for (int fault = 0; fault < 4; fault++) {
		n = N;
		if (fault == 0)
			n.notify = 0;		/* NONE is not flagged */
		else if (fault == 1)
			n.notify = MSG_NNOTIFY;	/* no such kind */
		else if (fault == 2)
			n.orig = "";		/* a notification about nothing */
		put_head(&f, fault == 3 ? "2" : "3");	/* 3: the flag before version 3 */
		put_varint(&f, 0);
		put_record(&f, &n);
		put_record(&f, &R0);
		put(&f, "\x00\x00", 2);
		assert_int_equal(load_made(&f), -1);
	}
}

static void test_version_1_file_loads_without_pending_logins(void **state)
{
	struct file f;
	struct msg_table *t = new_table(2, false);
	struct maillog_feed *feed = maillog_feed_new(t);
	uint64_t generation;
	char *positions;

	(void)state;
	make(&f, "1", R0, R1);		/* as sentineld wrote it before version 2 */
	write_made(&f);
	feed_via(feed, t, AUTH_ALICE);	/* a login the file does not have */
	assert_int_equal(msg_table_load(t, base, NAME, BOUND, &generation, &positions), 0);
	free(positions);
	assert_int_equal(generation, 5);
	assert_int_equal(table_size(t), 2);
	assert_string_equal(msg_table_find(t, "postfix", "QID0000001")->identity, "sasl:bob");
	feed_via(feed, t, FROM_ALICE);	/* a load replaces the logins: none */
	assert_string_equal(msg_table_find(t, "sm-mta", "qARA5ExA004242")->identity,
			    "client:198.51.100.7");
	maillog_feed_free(feed);
	msg_table_free(t);
}

static void test_discard_forgets_the_pending_logins(void **state)
{
	struct msg_table *t = new_table(2, false);
	struct maillog_feed *f = maillog_feed_new(t);

	(void)state;
	feed_via(f, t, AUTH_ALICE);
	msg_table_discard(t);		/* a snapshot refused: none of it stays */
	feed_via(f, t, FROM_ALICE);
	assert_string_equal(msg_table_find(t, "sm-mta", "qARA5ExA004242")->identity,
			    "client:198.51.100.7");
	maillog_feed_free(f);
	msg_table_free(t);
}

static void test_hand_made_pending_login_loads_and_each_fault_refuses_it(void **state)
{
	struct file f;
	struct login l;
	char big[300];

	(void)state;
	make_logins(&f, 1, &L0);
	write_made(&f);
	assert_string_equal(alice_after_load(), "sasl:alice@example.org");	/* the control */
	make_logins(&f, 1, &L0);
	assert_int_equal(load_made(&f), 0);
	make_logins(&f, 0, NULL);
	assert_int_equal(load_made(&f), 0);		/* none */
	make(&f, "3", R0, R1);
	assert_int_equal(load_made(&f), -1);		/* a version from the future */

	make_logins(&f, MSG_LOGINS_MAX + 1, NULL);
	assert_int_equal(load_made(&f), -1);		/* past the bound */
	make_logins(&f, 2, &L0);
	assert_int_equal(load_made(&f), -1);		/* fewer than counted */
	l = L0, l.pid = 0;
	make_logins(&f, 1, &l);
	assert_int_equal(load_made(&f), -1);		/* an empty slot */
	l = L0, l.pid = (uint64_t)1 << 31;
	make_logins(&f, 1, &l);
	assert_int_equal(load_made(&f), -1);		/* not a pid */
	l = L0, l.at = (int64_t)1 << 41;
	make_logins(&f, 1, &l);
	assert_int_equal(load_made(&f), -1);		/* a time out of range */
	l = L0, l.ip = "x.example";
	make_logins(&f, 1, &l);
	assert_int_equal(load_made(&f), -1);		/* a client that is no address */
	l = L0, l.user = "";
	make_logins(&f, 1, &l);
	assert_int_equal(load_made(&f), -1);		/* a login of no one */
	l = L0, l.user = "al\xffice";
	make_logins(&f, 1, &l);
	assert_int_equal(load_made(&f), -1);		/* not UTF-8 */
	l = L0, l.instance = "sm/mta";
	make_logins(&f, 1, &l);
	assert_int_equal(load_made(&f), -1);		/* not an instance */
	memset(big, 'm', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	l = L0, l.method = big;
	make_logins(&f, 1, &l);
	assert_int_equal(load_made(&f), -1);		/* longer than its buffer */
	l = L0, l.user = big;
	make_logins(&f, 1, &l);
	assert_int_equal(load_made(&f), -1);
}

static void test_pending_logins_past_the_byte_bound_are_left_out_and_counted(void **state)
{
	struct msg_save_stats st;
	uint64_t generation;
	char *positions;
	size_t bound;

	(void)state;
	add_logins();
	assert_int_equal(msg_table_save(tab, base, NAME, BOUND, 1, POSITIONS, &st), 0);
	assert_int_equal(st.logins, 2);
	bound = st.bytes - 1;
	assert_int_equal(msg_table_save(tab, base, NAME, bound, 1, POSITIONS, &st), 0);
	assert_int_equal(st.logins + st.logins_omitted, 2);
	assert_true(st.logins_omitted > 0);
	assert_true(st.bytes <= bound);
	drop_lender();
	msg_table_free(tab);
	tab = new_table(100, true);
	assert_int_equal(msg_table_load(tab, base, NAME, bound, &generation, &positions), 0);
	free(positions);
}

/*
 * tests/data/state/maillog.messages was written by messages_state.c's own
 * writer, before binfile.c, from Sendmail and Postfix lines: a pending
 * login of alice (sm-mta 4242), a sent message of sasl:alice, a deferred
 * one of client:192.0.2.9, a removed pickup.  It loads, and saving it
 * again writes the same bytes: the format is the same.
 */
static void test_a_file_of_the_previous_writer_loads_and_saves_the_same_bytes(void **state)
{
	const struct message *m;
	uint64_t generation = 0;
	char *positions = NULL, path[128];

	(void)state;
	lender = maillog_feed_new(tab);		/* takes the pending logins */
	assert_int_equal(msg_table_load(tab, "tests/data/state", "maillog.messages", BOUND,
					&generation, &positions), 0);
	assert_int_equal(generation, 7);
	assert_string_equal(positions, POSITIONS);
	m = msg("postfix", "4F3A21C0B2");
	assert_non_null(m);
	assert_string_equal(m->identity, "sasl:alice@example.org");
	assert_int_equal(m->nrcpt, 2);
	assert_int_equal(m->deliveries[MSG_SENT], 1);
	m = msg("postfix", "5B1B2C3D4E");
	assert_non_null(m);
	assert_string_equal(m->identity, "client:192.0.2.9");
	assert_string_equal(m->sender, "spam@foreign.example");
	assert_int_equal(m->deliveries[MSG_DEFERRED], 1);
	m = msg("postfix", "6C1B2C3D4E");
	assert_non_null(m);
	assert_true(m->removed);
	assert_int_equal(table_size(tab), 3);
	assert_int_equal(msg_table_save(tab, base, NAME, BOUND, generation, positions, &saved), 0);
	assert_int_equal(saved.logins, 1);
	snprintf(path, sizeof(path), "%s/%s", base, NAME);
	assert_same_file(path, "tests/data/state/maillog.messages");
	free(positions);
	/* alice's pending login names the message of her session */
	feed_via(lender, tab, FROM_ALICE);
	assert_string_equal(msg("sm-mta", "qARA5ExA004242")->identity, "sasl:alice@example.org");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_round_trip_keeps_every_field_of_every_message),
		T(test_empty_table_round_trips),
		T(test_missing_file_is_enoent_and_leaves_the_table_empty),
		T(test_load_into_a_table_in_use_is_refused_and_keeps_it),
		T(test_delivery_after_restart_counts_for_the_identity_and_acceptance_once),
		T(test_held_copy_is_linked_by_a_handoff_after_restart),
		T(test_removed_order_survives_and_expiry_works_after_restore),
		T(test_first_seen_order_survives),
		T(test_past_the_byte_bound_the_oldest_are_left_out_and_counted),
		T(test_file_over_the_readers_bound_is_refused),
		T(test_more_messages_than_the_table_holds_is_refused),
		T(test_every_flipped_bit_and_every_cut_is_refused),
		T(test_mutated_files_with_a_valid_checksum_load_whole_or_not_at_all),
		T(test_hand_made_file_loads_and_each_fault_refuses_it),
		T(test_pending_logins_round_trip_with_the_messages),
		T(test_version_1_file_loads_without_pending_logins),
		T(test_notification_round_trips_and_stays_a_notification),
		T(test_hand_made_notification_loads_from_version_3_only),
		T(test_discard_forgets_the_pending_logins),
		T(test_hand_made_pending_login_loads_and_each_fault_refuses_it),
		T(test_pending_logins_past_the_byte_bound_are_left_out_and_counted),
		T(test_a_file_of_the_previous_writer_loads_and_saves_the_same_bytes),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

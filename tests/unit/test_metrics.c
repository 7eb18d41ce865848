// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_metrics.c - the Prometheus text exposition: label value escaping,
 * UTF-8 repair, and metrics_render() over counters and the flow table.
 *
 * If SENTINEL_EXPO_OUT is set, the rendering of a realistic table is written
 * there so the test runner can feed it to `promtool check metrics`.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"

#define FFFD "\xef\xbf\xbd"

/* ---- helpers ------------------------------------------------------------ */

/* expo_label_value(s) must give exactly `want`. */
static void assert_escaped(const char *s, const char *want)
{
	struct expo e;

	expo_init(&e);
	expo_label_value(&e, s);
	assert_int_equal(e.len, strlen(want));
	assert_string_equal(e.buf, want);
	expo_free(&e);
}

/* True if `line` is a whole line of the exposition. */
static bool has_line(const char *text, const char *line)
{
	size_t n = strlen(line);

	for (const char *p = text; (p = strstr(p, line)) != NULL; p++)
		if ((p == text || p[-1] == '\n') && p[n] == '\n')
			return true;
	return false;
}

static void assert_has_line(const char *text, const char *line)
{
	if (!has_line(text, line)) {
		print_error("line not found: %s\n--- exposition:\n%s---\n", line, text);
		fail();
	}
}

static struct series_table *flows_table(unsigned max)
{
	return series_table_new(FLOW_NLABELS, flow_label_names, max, FLOW_LABEL_COMM,
				1U << FLOW_LABEL_PORT);
}

static struct series *add_flow(struct series_table *t, const char *cg, const char *comm,
			       const char *uid, const char *port, uint64_t attempts,
			       uint64_t established, uint64_t failed)
{
	const char *labels[FLOW_NLABELS];
	struct series *s;
	bool folded;

	labels[FLOW_LABEL_CGROUP] = cg;
	labels[FLOW_LABEL_COMM] = comm;
	labels[FLOW_LABEL_UID] = uid;
	labels[FLOW_LABEL_PORT] = port;
	s = series_get(t, labels, &folded);
	s->values[FLOW_VALUE_ATTEMPTS] += attempts;
	s->values[FLOW_VALUE_ESTABLISHED] += established;
	s->values[FLOW_VALUE_FAILED] += failed;
	return s;
}

/* Render counters and an optional flow table; the caller frees e. */
static void render(const struct counters *c, const struct series_table *flows,
		   const char *version, struct expo *e)
{
	struct metrics_sources src = { .counters = c, .version = version };

	src.tables[TABLE_FLOWS] = flows;
	expo_init(e);
	metrics_render(&src, e);
}

/* One flow series whose comm holds a quote, a backslash and a newline. */
static void render_hostile_comm(struct expo *e)
{
	static const struct counters c = { 0 };
	struct series_table *t = flows_table(100);

	add_flow(t, "/system.slice/postfix.service", "a\"b\\c\nd", "1000", "25", 7, 5, 2);
	render(&c, t, "0.1.0", e);
	series_table_free(t);
}

/* ---- expo_label_value --------------------------------------------------- */

static void test_label_value_plain_ascii_is_unchanged(void **state)
{
	(void)state;
	assert_escaped("postfix/smtp 1.2_x-y", "postfix/smtp 1.2_x-y");
}

static void test_label_value_backslash_is_doubled(void **state)
{
	(void)state;
	assert_escaped("a\\b", "a\\\\b");
}

static void test_label_value_double_quote_is_escaped(void **state)
{
	(void)state;
	assert_escaped("a\"b", "a\\\"b");
}

static void test_label_value_newline_is_escaped_as_backslash_n(void **state)
{
	(void)state;
	assert_escaped("a\nb", "a\\nb");
}

static void test_label_value_escapes_combine_in_order(void **state)
{
	(void)state;
	assert_escaped("\\\"\n\\", "\\\\\\\"\\n\\\\");
}

static void test_label_value_valid_multibyte_utf8_is_kept(void **state)
{
	(void)state;
	/* 2-byte e-acute, 3-byte CJK, 4-byte emoji, and U+FFFD itself */
	assert_escaped("caf\xc3\xa9 \xe6\x97\xa5 \xf0\x9f\x98\x80 " FFFD,
		       "caf\xc3\xa9 \xe6\x97\xa5 \xf0\x9f\x98\x80 " FFFD);
}

static void test_label_value_byte_ff_is_replaced_by_fffd(void **state)
{
	(void)state;
	assert_escaped("a\xff" "b", "a" FFFD "b");
}

static void test_label_value_lone_lead_byte_at_end_is_replaced_by_fffd(void **state)
{
	(void)state;
	assert_escaped("ab\xc3", "ab" FFFD);
}

static void test_label_value_lead_byte_before_ascii_keeps_the_ascii(void **state)
{
	(void)state;
	assert_escaped("\xc3(x", FFFD "(x");
}

static void test_label_value_overlong_encoding_is_replaced_bytewise(void **state)
{
	(void)state;
	/* C0 AF is an overlong '/': neither byte may start a character */
	assert_escaped("a\xc0\xaf" "b", "a" FFFD FFFD "b");
}

static void test_label_value_utf16_surrogate_is_replaced_bytewise(void **state)
{
	(void)state;
	/* ED A0 80 would encode U+D800 */
	assert_escaped("a\xed\xa0\x80" "b", "a" FFFD FFFD FFFD "b");
}

static void test_label_value_code_point_above_10ffff_is_replaced(void **state)
{
	(void)state;
	/* F4 90 80 80 would encode U+110000 */
	assert_escaped("\xf4\x90\x80\x80", FFFD FFFD FFFD FFFD);
}

static void test_label_value_empty_string_gives_nothing(void **state)
{
	(void)state;
	assert_escaped("", "");
}

/* ---- metrics_render ----------------------------------------------------- */

static void test_render_connect_attempts_sample_with_escaped_comm(void **state)
{
	struct expo e;

	(void)state;
	render_hostile_comm(&e);
	assert_has_line(e.buf, "smtp_sentinel_connect_attempts_total{"
			"cgroup=\"/system.slice/postfix.service\",comm=\"a\\\"b\\\\c\\nd\","
			"uid=\"1000\",port=\"25\"} 7");
	expo_free(&e);
}

static void test_render_connect_results_established_sample(void **state)
{
	struct expo e;

	(void)state;
	render_hostile_comm(&e);
	assert_has_line(e.buf, "smtp_sentinel_connect_results_total{"
			"cgroup=\"/system.slice/postfix.service\",comm=\"a\\\"b\\\\c\\nd\","
			"uid=\"1000\",port=\"25\",result=\"established\"} 5");
	expo_free(&e);
}

static void test_render_connect_results_failed_sample(void **state)
{
	struct expo e;

	(void)state;
	render_hostile_comm(&e);
	assert_has_line(e.buf, "smtp_sentinel_connect_results_total{"
			"cgroup=\"/system.slice/postfix.service\",comm=\"a\\\"b\\\\c\\nd\","
			"uid=\"1000\",port=\"25\",result=\"failed\"} 2");
	expo_free(&e);
}

static void test_render_hostile_comm_adds_no_line(void **state)
{
	struct expo e;
	unsigned samples = 0;

	(void)state;
	render_hostile_comm(&e);
	for (const char *p = e.buf; *p; p = strchr(p, '\n') + 1) {
		assert_non_null(strchr(p, '\n'));
		if (strncmp(p, "smtp_sentinel_connect_", 22) == 0)
			samples++;
	}
	assert_int_equal(samples, 3);	/* attempts, established, failed */
	expo_free(&e);
}

/* Name of the sample on the line at p, into buf. */
static void sample_name(const char *p, char *buf, size_t cap)
{
	size_t n = strcspn(p, "{ \n");

	assert_true(n < cap);
	memcpy(buf, p, n);
	buf[n] = '\0';
}

static void test_render_every_sample_follows_help_and_type_of_its_metric(void **state)
{
	struct expo e;
	char help[128] = "", type[128] = "", name[128], kind[16] = "";
	unsigned samples = 0, families = 0;

	(void)state;
	render_hostile_comm(&e);
	for (const char *p = e.buf; *p; p = strchr(p, '\n') + 1) {
		if (strncmp(p, "# HELP ", 7) == 0) {
			sample_name(p + 7, help, sizeof(help));
			type[0] = '\0';
			families++;
		} else if (strncmp(p, "# TYPE ", 7) == 0) {
			sample_name(p + 7, type, sizeof(type));
			assert_string_equal(type, help);	/* TYPE right after HELP */
			sample_name(p + 8 + strlen(type), kind, sizeof(kind));
		} else {
			size_t l;

			sample_name(p, name, sizeof(name));
			l = strlen(name);
			/* a histogram's samples are NAME_bucket, NAME_sum, NAME_count */
			if (strcmp(kind, "histogram") == 0) {
				if (l > 7 && strcmp(name + l - 7, "_bucket") == 0)
					name[l - 7] = '\0';
				else if (l > 6 && strcmp(name + l - 6, "_count") == 0)
					name[l - 6] = '\0';
				else if (l > 4 && strcmp(name + l - 4, "_sum") == 0)
					name[l - 4] = '\0';
			}
			assert_string_equal(name, help);
			assert_string_equal(name, type);
			samples++;
		}
	}
	assert_int_equal(families, 66);
	assert_true(samples >= families);
	expo_free(&e);
}

static void test_render_every_metric_is_described_once(void **state)
{
	struct expo e;
	char names[128][128];
	unsigned n = 0;

	(void)state;
	render_hostile_comm(&e);
	for (const char *p = e.buf; (p = strstr(p, "# TYPE ")) != NULL; p++) {
		assert_true(n < 128);
		sample_name(p + 7, names[n], sizeof(names[n]));
		for (unsigned i = 0; i < n; i++)
			assert_string_not_equal(names[i], names[n]);
		n++;
	}
	assert_int_equal(n, 66);
	expo_free(&e);
}

static void test_render_counter_names_end_in_total(void **state)
{
	struct expo e;
	unsigned counters = 0;

	(void)state;
	render_hostile_comm(&e);
	for (const char *p = e.buf; (p = strstr(p, "# TYPE ")) != NULL; p++) {
		char name[128];
		const char *kind = p + 7 + strcspn(p + 7, " ") + 1;

		sample_name(p + 7, name, sizeof(name));
		if (strncmp(kind, "counter\n", 8) == 0) {
			size_t l = strlen(name);

			assert_true(l > 6);
			assert_string_equal(name + l - 6, "_total");
			counters++;
		} else if (strncmp(kind, "histogram\n", 10) != 0) {
			assert_memory_equal(kind, "gauge\n", 6);
		}
	}
	assert_int_equal(counters, 45);
	expo_free(&e);
}

static void test_render_build_info_carries_version_with_value_1(void **state)
{
	static const struct counters c = { 0 };
	struct expo e;

	(void)state;
	render(&c, NULL, "X", &e);
	assert_has_line(e.buf, "smtp_sentinel_build_info{version=\"X\"} 1");
	expo_free(&e);
}

static void test_render_flow_events_dropped_counter(void **state)
{
	struct counters c = { 0 };
	struct expo e;

	(void)state;
	c.flow_events_dropped = 42;
	render(&c, NULL, "X", &e);
	assert_has_line(e.buf, "smtp_sentinel_flow_events_dropped_total 42");
	expo_free(&e);
}

static void test_render_each_scalar_metric_reads_its_own_field(void **state)
{
	struct counters c = {
		.flow_events = 1, .flow_events_dropped = 2, .kernel_keys_full = 3,
		.flows_untracked = 4, .kernel_keys = 5, .series_overflow = 6,
		.flow_series = 7, .scrapes = 18446744073709551615ULL,
		.outcomes_unmatched = 8,
	};
	struct expo e;

	(void)state;
	render(&c, NULL, "X", &e);
	assert_has_line(e.buf, "smtp_sentinel_flow_events_total 1");
	assert_has_line(e.buf, "smtp_sentinel_flow_events_dropped_total 2");
	assert_has_line(e.buf, "smtp_sentinel_kernel_flow_keys_full_total 3");
	assert_has_line(e.buf, "smtp_sentinel_flows_untracked_total 4");
	assert_has_line(e.buf, "smtp_sentinel_flow_outcomes_unmatched_total 8");
	assert_has_line(e.buf, "smtp_sentinel_kernel_flow_keys 5");
	assert_has_line(e.buf, "smtp_sentinel_series_overflow_total 6");
	assert_has_line(e.buf, "smtp_sentinel_flow_series 7");
	assert_has_line(e.buf, "smtp_sentinel_scrapes_total 18446744073709551615");
	expo_free(&e);
}

static void test_render_identity_bound_counters_read_their_fields(void **state)
{
	struct counters c = {
		.identity_series = 11, .identity_overflow = 12, .identity_evictions = 13,
		.identity_candidate_replacements = 14,
	};
	struct expo e;

	(void)state;
	render(&c, NULL, "X", &e);
	assert_has_line(e.buf, "smtp_sentinel_identity_series 11");
	assert_has_line(e.buf, "smtp_sentinel_identity_overflow_total 12");
	assert_has_line(e.buf, "smtp_sentinel_identity_evictions_total 13");
	assert_has_line(e.buf, "smtp_sentinel_identity_candidate_replacements_total 14");
	expo_free(&e);
}

static void test_render_without_flow_table_has_headers_but_no_flow_samples(void **state)
{
	static const struct counters c = { 0 };
	struct expo e;

	(void)state;
	render(&c, NULL, "X", &e);
	assert_has_line(e.buf, "# TYPE smtp_sentinel_connect_attempts_total counter");
	assert_null(strstr(e.buf, "smtp_sentinel_connect_attempts_total{"));
	assert_null(strstr(e.buf, "smtp_sentinel_connect_results_total{"));
	expo_free(&e);
}

static void test_render_output_ends_with_newline_and_len_matches(void **state)
{
	struct expo e;

	(void)state;
	render_hostile_comm(&e);
	assert_true(e.len > 0);
	assert_int_equal(strlen(e.buf), e.len);
	assert_int_equal(e.buf[e.len - 1], '\n');
	expo_free(&e);
}

/* ---- a realistic table, for promtool ------------------------------------ */

/* Several series with hostile comms, over max so that some fold. */
static struct series_table *realistic_table(void)
{
	struct series_table *t = flows_table(10);

	add_flow(t, "/system.slice/postfix.service", "smtp", "107", "25", 1200, 1150, 50);
	add_flow(t, "/system.slice/postfix.service", "smtp", "107", "587", 30, 30, 0);
	add_flow(t, "/system.slice/exim4.service", "exim4", "101", "25", 7, 6, 1);
	add_flow(t, "/user.slice/user-1000.slice/session-2.scope", "python3", "1000",
		 "465", 3, 0, 3);
	add_flow(t, "/user.slice/user-1000.slice/session-2.scope", "a\"b\\c\nd", "1000",
		 "25", 1, 1, 0);
	add_flow(t, "/docker/3f2a", "\\\\\"\"\n\n", "0", "25", 2, 0, 2);
	add_flow(t, "/docker/3f2a", "bad\xff\xfeutf8", "0", "25", 4, 2, 2);
	add_flow(t, "/docker/3f2a", "trunc\xc3", "0", "587", 1, 0, 1);
	add_flow(t, "/docker/3f2a", "caf\xc3\xa9-\xe6\x97\xa5", "0", "587", 5, 5, 0);
	add_flow(t, "/docker/3f2a", "tab\there {}=,", "0", "25", 9, 9, 0);
	/* table full: these fold to comm="_other" */
	add_flow(t, "/docker/3f2a", "spam1", "0", "25", 100, 10, 90);
	add_flow(t, "/docker/3f2a", "spam2", "0", "25", 100, 20, 80);
	for (unsigned i = 0; i < 20; i++) {
		char cg[32];

		snprintf(cg, sizeof(cg), "/docker/bot%u", i);
		add_flow(t, cg, "bot", "65534", i % 2 ? "25" : "587", 1, 0, 1);
	}
	return t;
}

static void test_render_realistic_table_has_folded_series(void **state)
{
	struct counters c = { .flow_events = 1500, .series_overflow = 22, .scrapes = 3 };
	struct series_table *t = realistic_table();
	const char *out = getenv("SENTINEL_EXPO_OUT");
	struct expo e;

	(void)state;
	c.flow_series = series_count(t);
	render(&c, t, "0.1.0", &e);
	assert_has_line(e.buf, "smtp_sentinel_connect_attempts_total{"
			"cgroup=\"/docker/3f2a\",comm=\"_other\",uid=\"0\",port=\"25\"} 200");
	assert_has_line(e.buf, "smtp_sentinel_connect_attempts_total{"
			"cgroup=\"_other\",comm=\"_other\",uid=\"_other\",port=\"25\"} 3");
	assert_has_line(e.buf, "smtp_sentinel_connect_results_total{"
			"cgroup=\"/docker/3f2a\",comm=\"bad" FFFD FFFD "utf8\",uid=\"0\","
			"port=\"25\",result=\"failed\"} 2");
	if (out) {
		FILE *f = fopen(out, "w");

		assert_non_null(f);
		assert_int_equal(fwrite(e.buf, 1, e.len, f), e.len);
		assert_int_equal(fclose(f), 0);
	}
	expo_free(&e);
	series_table_free(t);
}

static void test_render_maillog_lines_by_result(void **state)
{
	struct counters c = { .maillog_parsed = 10, .maillog_ignored = 20,
			      .maillog_unparsed = 3, .maillog_forged = 6, .sasl_logins = 4,
			      .sasl_auth_failures = 5, .maillog_last_line_time = 1796947200 };
	struct expo e;

	(void)state;
	render(&c, NULL, "X", &e);
	assert_has_line(e.buf, "smtp_sentinel_maillog_lines_total{result=\"parsed\"} 10");
	assert_has_line(e.buf, "smtp_sentinel_maillog_lines_total{result=\"ignored\"} 20");
	assert_has_line(e.buf, "smtp_sentinel_maillog_lines_total{result=\"unparsed\"} 3");
	assert_has_line(e.buf, "smtp_sentinel_maillog_lines_total{result=\"forged\"} 6");
	assert_has_line(e.buf, "smtp_sentinel_sasl_logins_total 4");
	assert_has_line(e.buf, "smtp_sentinel_sasl_auth_failures_total 5");
	assert_has_line(e.buf, "smtp_sentinel_maillog_last_line_timestamp_seconds 1796947200");
	expo_free(&e);
}

static void test_render_identity_messages_and_deliveries_by_status(void **state)
{
	struct series_table *t = series_table_new_top(1, identity_label_names, 10);
	const char *labels[1] = { "sasl:a\"b@example.org" };
	struct counters c = { 0 };
	struct metrics_sources src = { .counters = &c, .version = "X" };
	struct series *s;
	struct expo e;
	bool folded;

	(void)state;
	s = series_get(t, labels, &folded);
	s->values[ID_VALUE_MESSAGES] = 7;
	s->values[ID_VALUE_SENT] = 6;
	s->values[ID_VALUE_DEFERRED] = 2;
	s->values[ID_VALUE_BOUNCED] = 1;
	s->values[ID_VALUE_REFUSED] = 3;
	src.tables[TABLE_IDENTITIES] = t;
	expo_init(&e);
	metrics_render(&src, &e);
	assert_has_line(e.buf, "smtp_sentinel_messages_total{identity=\"sasl:a\\\"b@example.org\"} 7");
	assert_has_line(e.buf, "smtp_sentinel_deliveries_total{identity=\"sasl:a\\\"b@example.org\",status=\"sent\"} 6");
	assert_has_line(e.buf, "smtp_sentinel_deliveries_total{identity=\"sasl:a\\\"b@example.org\",status=\"deferred\"} 2");
	assert_has_line(e.buf, "smtp_sentinel_deliveries_total{identity=\"sasl:a\\\"b@example.org\",status=\"bounced\"} 1");
	assert_has_line(e.buf, "smtp_sentinel_deliveries_total{identity=\"sasl:a\\\"b@example.org\",status=\"expired\"} 0");
	assert_has_line(e.buf, "smtp_sentinel_messages_refused_total{identity=\"sasl:a\\\"b@example.org\"} 3");
	expo_free(&e);
	series_table_free(t);
}

static void test_latency_histogram_buckets_are_cumulative(void **state)
{
	static struct counters c;
	struct expo e;

	(void)state;
	memset(&c, 0, sizeof(c));
	metrics_observe_latency(&c, 0.03);	/* le 0.05 */
	metrics_observe_latency(&c, 0.3);	/* le 0.5 */
	metrics_observe_latency(&c, 0.3);
	metrics_observe_latency(&c, 120);	/* +Inf only */
	metrics_observe_latency(&c, -1);	/* a log clock ahead of ours: 0 */
	render(&c, NULL, "0.1.0", &e);
	assert_non_null(strstr(e.buf, "smtp_sentinel_detection_latency_seconds_bucket{le=\"0.05\"} 2\n"));
	assert_non_null(strstr(e.buf, "smtp_sentinel_detection_latency_seconds_bucket{le=\"0.25\"} 2\n"));
	assert_non_null(strstr(e.buf, "smtp_sentinel_detection_latency_seconds_bucket{le=\"0.5\"} 4\n"));
	assert_non_null(strstr(e.buf, "smtp_sentinel_detection_latency_seconds_bucket{le=\"60\"} 4\n"));
	assert_non_null(strstr(e.buf, "smtp_sentinel_detection_latency_seconds_bucket{le=\"+Inf\"} 5\n"));
	assert_non_null(strstr(e.buf, "smtp_sentinel_detection_latency_seconds_count 5\n"));
	assert_non_null(strstr(e.buf, "smtp_sentinel_detection_latency_seconds_sum 120.630000\n"));
	expo_free(&e);
}

static void test_actions_grid_has_every_action_and_result(void **state)
{
	static struct counters c;
	struct expo e;
	unsigned n = 0;

	(void)state;
	memset(&c, 0, sizeof(c));
	c.actions[ACTION_LOCK][RESULT_OK] = 3;
	c.incidents[SIG_FOREIGN] = 2;
	render(&c, NULL, "0.1.0", &e);
	assert_non_null(strstr(e.buf, "smtp_sentinel_actions_total{action=\"lock\",result=\"ok\"} 3\n"));
	assert_non_null(strstr(e.buf, "smtp_sentinel_actions_total{action=\"hold\",result=\"failed\"} 0\n"));
	assert_non_null(strstr(e.buf, "smtp_sentinel_incidents_total{signal=\"foreign\"} 2\n"));
	for (const char *p = e.buf; (p = strstr(p, "\nsmtp_sentinel_actions_total{")) != NULL; p++)
		n++;
	assert_int_equal(n, ACTION_COUNT * RESULT_COUNT);
	expo_free(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_label_value_plain_ascii_is_unchanged),
		cmocka_unit_test(test_label_value_backslash_is_doubled),
		cmocka_unit_test(test_label_value_double_quote_is_escaped),
		cmocka_unit_test(test_label_value_newline_is_escaped_as_backslash_n),
		cmocka_unit_test(test_label_value_escapes_combine_in_order),
		cmocka_unit_test(test_label_value_valid_multibyte_utf8_is_kept),
		cmocka_unit_test(test_label_value_byte_ff_is_replaced_by_fffd),
		cmocka_unit_test(test_label_value_lone_lead_byte_at_end_is_replaced_by_fffd),
		cmocka_unit_test(test_label_value_lead_byte_before_ascii_keeps_the_ascii),
		cmocka_unit_test(test_label_value_overlong_encoding_is_replaced_bytewise),
		cmocka_unit_test(test_label_value_utf16_surrogate_is_replaced_bytewise),
		cmocka_unit_test(test_label_value_code_point_above_10ffff_is_replaced),
		cmocka_unit_test(test_label_value_empty_string_gives_nothing),
		cmocka_unit_test(test_render_connect_attempts_sample_with_escaped_comm),
		cmocka_unit_test(test_render_connect_results_established_sample),
		cmocka_unit_test(test_render_connect_results_failed_sample),
		cmocka_unit_test(test_render_hostile_comm_adds_no_line),
		cmocka_unit_test(test_render_every_sample_follows_help_and_type_of_its_metric),
		cmocka_unit_test(test_render_every_metric_is_described_once),
		cmocka_unit_test(test_render_counter_names_end_in_total),
		cmocka_unit_test(test_render_build_info_carries_version_with_value_1),
		cmocka_unit_test(test_latency_histogram_buckets_are_cumulative),
		cmocka_unit_test(test_actions_grid_has_every_action_and_result),
		cmocka_unit_test(test_render_flow_events_dropped_counter),
		cmocka_unit_test(test_render_each_scalar_metric_reads_its_own_field),
		cmocka_unit_test(test_render_maillog_lines_by_result),
		cmocka_unit_test(test_render_identity_messages_and_deliveries_by_status),
		cmocka_unit_test(test_render_identity_bound_counters_read_their_fields),
		cmocka_unit_test(test_render_without_flow_table_has_headers_but_no_flow_samples),
		cmocka_unit_test(test_render_output_ends_with_newline_and_len_matches),
		cmocka_unit_test(test_render_realistic_table_has_folded_series),
	};

	return cmocka_run_group_tests_name("metrics", tests, NULL, NULL);
}

// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_correlate.c - a delivery line claims the flow of the same pid,
 * relay address and port; what nothing claims is unattributed.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <linux/types.h>
#include <string.h>

#include "correlate.h"
#include "sentinel.h"

static struct counters c;

/* Inode numbers of PID namespaces: the host's (init_pid_ns) and a container's. */
#define HOST_NS 4026531836U
#define CONTAINER_NS 4026532174U

/* A flow of a host process: the same pid in the caller's own namespace. */
static struct flow_event flow(__u32 tgid, const char *addr, __u16 port, __u8 outcome)
{
	struct flow_event e;

	memset(&e, 0, sizeof(e));
	e.tgid = tgid;
	e.ns_tgid = tgid;
	e.pidns = HOST_NS;
	e.dport = port;
	e.outcome = outcome;
	if (inet_pton(AF_INET, addr, e.daddr) == 1) {
		e.family = AF_INET;
	} else {
		assert_int_equal(inet_pton(AF_INET6, addr, e.daddr), 1);
		e.family = AF_INET6;
	}
	return e;
}

static struct slice sl(const char *s)
{
	struct slice v = { s, strlen(s) };

	return v;
}

static struct correlator *fresh(size_t max_keys)
{
	memset(&c, 0, sizeof(c));
	return correlator_new(&c, max_keys, HOST_NS);
}

/* A flow of a containerised process: host pid tgid, pid ns_tgid inside. */
static struct flow_event container_flow(__u32 tgid, __u32 ns_tgid, const char *addr, __u16 port)
{
	struct flow_event e = flow(tgid, addr, port, FLOW_ESTABLISHED);

	e.ns_tgid = ns_tgid;
	e.pidns = CONTAINER_NS;
	return e;
}

/* The maillog of a container (its Postfix's pids), as [maillog]
 * pid_namespace sets it. */
static struct correlator *fresh_in_container(size_t max_keys)
{
	memset(&c, 0, sizeof(c));
	return correlator_new(&c, max_keys, CONTAINER_NS);
}

static void test_container_delivery_claims_the_flow_by_its_namespace_pid(void **state)
{
	struct correlator *k = fresh_in_container(16);
	struct flow_event e = container_flow(31337, 42, "127.0.0.2", 25);

	(void)state;
	correlator_flow(k, &e);
	/* the log names the container's pid, never the host's */
	assert_int_equal(correlator_delivery(k, 31337, sl("127.0.0.2"), 25, "sasl:alice", true), 0);
	assert_int_equal(correlator_delivery(k, 42, sl("127.0.0.2"), 25, "sasl:alice", true), 1);
	assert_int_equal(c.flows_attributed, 1);
	assert_int_equal(c.flows_pending, 0);
	correlator_free(k);
}

static void test_container_delivery_logged_first_claims_the_flow_when_it_comes(void **state)
{
	struct correlator *k = fresh_in_container(16);
	struct flow_event e = container_flow(31337, 42, "127.0.0.2", 25);

	(void)state;
	assert_int_equal(correlator_delivery(k, 42, sl("127.0.0.2"), 25, "sasl:alice", false), 0);
	assert_string_equal(correlator_flow(k, &e), "sasl:alice");
	assert_int_equal(c.flows_attributed, 1);
	correlator_free(k);
}

static void test_same_pid_in_another_namespace_is_another_process(void **state)
{
	struct correlator *k = fresh_in_container(16);
	/* a host process (or another container's) that has pid 42 too */
	struct flow_event host = flow(42, "127.0.0.2", 25, FLOW_ESTABLISHED);
	struct flow_event other = container_flow(5000, 42, "127.0.0.2", 25);

	(void)state;
	other.pidns = CONTAINER_NS + 1;
	correlator_flow(k, &host);
	correlator_flow(k, &other);
	assert_int_equal(correlator_delivery(k, 42, sl("127.0.0.2"), 25, "sasl:alice", true), 0);
	assert_int_equal(c.flows_attributed, 0);
	assert_int_equal(c.flows_pending, 2);
	/* and neither waits for nor claims a delivery of the container's log */
	assert_int_equal(correlator_delivery(k, 42, sl("127.0.0.2"), 25, "sasl:bob", false), 0);
	assert_null(correlator_flow(k, &host));
	correlator_expire_at(k, 1000000);
	assert_int_equal(c.flows_unattributed, 3);
	correlator_free(k);
}

/* The container restarted: a new init, a new PID namespace.  Deliveries
 * logged from then on claim the flows of the new one (the same pid there
 * is another process than in the old one), whichever comes first. */
static void test_after_a_restart_deliveries_claim_the_new_namespaces_flows(void **state)
{
	struct correlator *k = fresh_in_container(16);
	struct flow_event old = container_flow(31337, 42, "127.0.0.2", 25);
	struct flow_event now = container_flow(41000, 42, "127.0.0.2", 25);
	struct flow_event later = container_flow(41001, 43, "127.0.0.2", 25);

	(void)state;
	now.pidns = later.pidns = CONTAINER_NS + 7;
	correlator_flow(k, &old);	/* the old container's, left unclaimed */
	correlator_set_pidns(k, CONTAINER_NS + 7);
	correlator_flow(k, &now);
	assert_int_equal(correlator_delivery(k, 42, sl("127.0.0.2"), 25, "sasl:alice", false), 1);
	assert_int_equal(correlator_delivery(k, 43, sl("127.0.0.2"), 25, "sasl:bob", false), 0);
	assert_string_equal(correlator_flow(k, &later), "sasl:bob");
	assert_int_equal(c.flows_attributed, 2);
	/* the old namespace's flow is never claimed by the new log */
	assert_int_equal(correlator_delivery(k, 42, sl("127.0.0.2"), 25, "sasl:carol", true), 0);
	assert_int_equal(c.flows_pending, 1);
	correlator_expire_at(k, 1000000);
	assert_int_equal(c.flows_unattributed, 1);
	correlator_free(k);
}

static void test_host_maillog_does_not_claim_a_container_flow(void **state)
{
	struct correlator *k = fresh(16);
	struct flow_event e = container_flow(31337, 42, "127.0.0.2", 25);

	(void)state;
	correlator_flow(k, &e);
	assert_int_equal(correlator_delivery(k, 42, sl("127.0.0.2"), 25, "sasl:alice", true), 0);
	assert_int_equal(correlator_delivery(k, 31337, sl("127.0.0.2"), 25, "sasl:alice", true), 0);
	assert_int_equal(c.flows_attributed, 0);
	assert_int_equal(c.flows_pending, 1);
	correlator_free(k);
}

static void test_delivery_claims_the_flow_of_its_pid_address_and_port(void **state)
{
	struct correlator *k = fresh(16);
	struct flow_event e = flow(4242, "192.0.2.25", 25, FLOW_ESTABLISHED);

	(void)state;
	correlator_flow(k, &e);
	assert_int_equal(c.flows_pending, 1);
	assert_int_equal(correlator_delivery(k, 4242, sl("192.0.2.25"), 25, "sasl:alice", true), 1);
	assert_int_equal(c.flows_attributed, 1);
	assert_int_equal(c.flows_pending, 0);
	correlator_free(k);
}

static void test_other_pid_address_or_port_does_not_claim(void **state)
{
	struct correlator *k = fresh(16);
	struct flow_event e = flow(4242, "192.0.2.25", 25, FLOW_ESTABLISHED);

	(void)state;
	correlator_flow(k, &e);
	assert_int_equal(correlator_delivery(k, 4243, sl("192.0.2.25"), 25, "sasl:a", true), 0);
	assert_int_equal(correlator_delivery(k, 4242, sl("192.0.2.26"), 25, "sasl:a", true), 0);
	assert_int_equal(correlator_delivery(k, 4242, sl("192.0.2.25"), 587, "sasl:a", true), 0);
	assert_int_equal(c.flows_attributed, 0);
	assert_int_equal(c.flows_pending, 1);
	correlator_free(k);
}

static void test_reused_connection_claims_nothing_more(void **state)
{
	struct correlator *k = fresh(16);
	struct flow_event e = flow(7, "192.0.2.1", 25, FLOW_ESTABLISHED);

	(void)state;
	correlator_flow(k, &e);
	assert_int_equal(correlator_delivery(k, 7, sl("192.0.2.1"), 25, "sasl:a", true), 1);
	/* conn_use=2: the same connection, no new flow */
	assert_int_equal(correlator_delivery(k, 7, sl("192.0.2.1"), 25, "sasl:a", true), 0);
	assert_int_equal(c.flows_attributed, 1);
	correlator_free(k);
}

static void test_two_flows_of_one_key_are_claimed_one_each(void **state)
{
	struct correlator *k = fresh(16);
	struct flow_event e = flow(7, "192.0.2.1", 25, FLOW_ESTABLISHED);

	(void)state;
	correlator_flow(k, &e);
	correlator_flow(k, &e);
	assert_int_equal(correlator_delivery(k, 7, sl("192.0.2.1"), 25, "sasl:a", true), 1);
	assert_int_equal(correlator_delivery(k, 7, sl("192.0.2.1"), 25, "sasl:b", true), 1);
	assert_int_equal(correlator_delivery(k, 7, sl("192.0.2.1"), 25, "sasl:c", true), 0);
	assert_int_equal(c.flows_attributed, 2);
	correlator_free(k);
}

static void test_failed_flows_do_not_wait(void **state)
{
	struct correlator *k = fresh(16);
	struct flow_event e = flow(7, "192.0.2.1", 25, FLOW_FAILED);

	(void)state;
	correlator_flow(k, &e);
	assert_int_equal(c.flows_pending, 0);
	assert_int_equal(correlator_delivery(k, 7, sl("192.0.2.1"), 25, "sasl:a", true), 0);
	correlator_free(k);
}

static void test_ipv6_relay_with_and_without_prefix(void **state)
{
	struct correlator *k = fresh(16);
	struct flow_event e = flow(9, "2001:db8::25", 25, FLOW_ESTABLISHED);

	(void)state;
	correlator_flow(k, &e);
	correlator_flow(k, &e);
	assert_int_equal(correlator_delivery(k, 9, sl("2001:db8::25"), 25, "sasl:a", true), 1);
	assert_int_equal(correlator_delivery(k, 9, sl("IPv6:2001:db8::25"), 25, "sasl:a", true), 1);
	correlator_free(k);
}

static void test_unknown_identity_counts_as_unattributed(void **state)
{
	struct correlator *k = fresh(16);
	struct flow_event e = flow(7, "192.0.2.1", 25, FLOW_ESTABLISHED);

	(void)state;
	correlator_flow(k, &e);
	assert_int_equal(correlator_delivery(k, 7, sl("192.0.2.1"), 25, "", true), 1);
	assert_int_equal(c.flows_attributed, 0);
	assert_int_equal(c.flows_unattributed, 1);
	correlator_free(k);
}

static void test_garbage_relay_claims_nothing(void **state)
{
	struct correlator *k = fresh(16);
	struct flow_event e = flow(7, "192.0.2.1", 25, FLOW_ESTABLISHED);

	(void)state;
	correlator_flow(k, &e);
	assert_int_equal(correlator_delivery(k, 7, sl("192.0.2.1, sasl_username=x"), 25, "a", true), 0);
	assert_int_equal(correlator_delivery(k, 7, sl(""), 25, "a", true), 0);
	assert_int_equal(correlator_delivery(k, -1, sl("192.0.2.1"), 25, "a", true), 0);
	assert_int_equal(correlator_delivery(k, 7, sl("192.0.2.1"), 70000, "a", true), 0);
	assert_int_equal(c.flows_pending, 1);
	correlator_free(k);
}

static void test_flow_unclaimed_past_the_window_is_unattributed(void **state)
{
	struct correlator *k = fresh(16);
	struct flow_event e = flow(7, "192.0.2.1", 25, FLOW_ESTABLISHED);
	struct timespec ts;

	(void)state;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	correlator_flow(k, &e);
	correlator_expire_at(k, ts.tv_sec + CORRELATE_WINDOW - 2);
	assert_int_equal(c.flows_pending, 1);
	correlator_expire_at(k, ts.tv_sec + CORRELATE_WINDOW + 2);
	assert_int_equal(c.flows_pending, 0);
	assert_int_equal(c.flows_unattributed, 1);
	assert_int_equal(correlator_delivery(k, 7, sl("192.0.2.1"), 25, "a", true), 0);
	correlator_free(k);
}

/* The log line can be read before the flow event is drained. */
static void test_delivery_logged_before_its_flow_claims_the_flow_when_it_comes(void **state)
{
	struct correlator *k = fresh(16);
	struct flow_event e = flow(7, "192.0.2.1", 25, FLOW_ESTABLISHED);
	const char *who;

	(void)state;
	assert_int_equal(correlator_delivery(k, 7, sl("192.0.2.1"), 25, "sasl:a", false), 0);
	who = correlator_flow(k, &e);
	assert_non_null(who);
	assert_string_equal(who, "sasl:a");
	assert_int_equal(c.flows_attributed, 1);
	assert_int_equal(c.flows_pending, 0);
	/* it is used once: the next flow of the key waits */
	assert_null(correlator_flow(k, &e));
	assert_int_equal(c.flows_pending, 1);
	correlator_free(k);
}

static void test_delivery_on_a_reused_connection_never_claims_a_later_flow(void **state)
{
	struct correlator *k = fresh(16);
	struct flow_event e = flow(7, "192.0.2.1", 25, FLOW_ESTABLISHED);

	(void)state;
	assert_int_equal(correlator_delivery(k, 7, sl("192.0.2.1"), 25, "sasl:a", true), 0);
	assert_null(correlator_flow(k, &e));
	assert_int_equal(c.flows_attributed, 0);
	assert_int_equal(c.flows_pending, 1);
	correlator_free(k);
}

/* Two connections of one smtp process to one relay, both logged before
 * their flows: each flow takes the oldest waiting delivery of its key. */
static void test_waiting_deliveries_of_one_key_are_claimed_oldest_first(void **state)
{
	struct correlator *k = fresh(16);
	struct flow_event e = flow(7, "192.0.2.1", 25, FLOW_ESTABLISHED);
	struct flow_event other = flow(8, "192.0.2.1", 25, FLOW_ESTABLISHED);

	(void)state;
	correlator_delivery(k, 7, sl("192.0.2.1"), 25, "sasl:first", false);
	correlator_delivery(k, 8, sl("192.0.2.1"), 25, "sasl:other", false);
	correlator_delivery(k, 7, sl("192.0.2.1"), 25, "sasl:second", false);
	assert_string_equal(correlator_flow(k, &e), "sasl:first");
	assert_string_equal(correlator_flow(k, &e), "sasl:second");
	assert_null(correlator_flow(k, &e));
	assert_string_equal(correlator_flow(k, &other), "sasl:other");
	assert_int_equal(c.flows_attributed, 3);
	assert_int_equal(c.flows_pending, 1);
	correlator_free(k);
}

/* A delivery waits CORRELATE_WINDOW for its flow (the connection can stay
 * open that long), then is forgotten: a later flow of its key waits. */
static void test_waiting_delivery_is_forgotten_after_the_window(void **state)
{
	struct correlator *k = fresh(16);
	struct flow_event e = flow(7, "192.0.2.1", 25, FLOW_ESTABLISHED);
	struct timespec ts;

	(void)state;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	correlator_delivery(k, 7, sl("192.0.2.1"), 25, "sasl:a", false);
	correlator_delivery(k, 7, sl("192.0.2.1"), 25, "sasl:b", false);
	correlator_expire_at(k, ts.tv_sec + CORRELATE_WINDOW - 2);
	assert_string_equal(correlator_flow(k, &e), "sasl:a");
	correlator_expire_at(k, ts.tv_sec + CORRELATE_WINDOW + 2);
	assert_null(correlator_flow(k, &e));
	assert_int_equal(c.flows_attributed, 1);
	assert_int_equal(c.flows_pending, 1);
	correlator_free(k);
}

/* At most CORRELATE_EARLY deliveries wait: the oldest gives way. */
static void test_waiting_deliveries_are_bounded_oldest_replaced(void **state)
{
	struct correlator *k = fresh(16);
	struct flow_event first = flow(1, "192.0.2.1", 25, FLOW_ESTABLISHED);
	struct flow_event second = flow(2, "192.0.2.1", 25, FLOW_ESTABLISHED);
	struct flow_event last = flow(CORRELATE_EARLY + 1, "192.0.2.1", 25, FLOW_ESTABLISHED);

	(void)state;
	for (long pid = 1; pid <= CORRELATE_EARLY + 1; pid++)
		correlator_delivery(k, pid, sl("192.0.2.1"), 25, "sasl:a", false);
	assert_null(correlator_flow(k, &first));
	assert_string_equal(correlator_flow(k, &second), "sasl:a");
	assert_string_equal(correlator_flow(k, &last), "sasl:a");
	correlator_free(k);
}

static void test_full_table_unattributes_at_once(void **state)
{
	struct correlator *k = fresh(1);
	struct flow_event a = flow(7, "192.0.2.1", 25, FLOW_ESTABLISHED);
	struct flow_event b = flow(8, "192.0.2.1", 25, FLOW_ESTABLISHED);

	(void)state;
	correlator_flow(k, &a);
	correlator_flow(k, &a);	/* same key: fits */
	correlator_flow(k, &b);	/* a second key: full */
	assert_int_equal(c.flows_pending, 2);
	assert_int_equal(c.flows_pending_overflow, 1);
	assert_int_equal(c.flows_unattributed, 1);
	correlator_free(k);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_delivery_claims_the_flow_of_its_pid_address_and_port),
		cmocka_unit_test(test_other_pid_address_or_port_does_not_claim),
		cmocka_unit_test(test_reused_connection_claims_nothing_more),
		cmocka_unit_test(test_two_flows_of_one_key_are_claimed_one_each),
		cmocka_unit_test(test_failed_flows_do_not_wait),
		cmocka_unit_test(test_ipv6_relay_with_and_without_prefix),
		cmocka_unit_test(test_unknown_identity_counts_as_unattributed),
		cmocka_unit_test(test_garbage_relay_claims_nothing),
		cmocka_unit_test(test_flow_unclaimed_past_the_window_is_unattributed),
		cmocka_unit_test(test_delivery_logged_before_its_flow_claims_the_flow_when_it_comes),
		cmocka_unit_test(test_delivery_on_a_reused_connection_never_claims_a_later_flow),
		cmocka_unit_test(test_waiting_deliveries_of_one_key_are_claimed_oldest_first),
		cmocka_unit_test(test_waiting_delivery_is_forgotten_after_the_window),
		cmocka_unit_test(test_waiting_deliveries_are_bounded_oldest_replaced),
		cmocka_unit_test(test_full_table_unattributes_at_once),
		cmocka_unit_test(test_container_delivery_claims_the_flow_by_its_namespace_pid),
		cmocka_unit_test(test_container_delivery_logged_first_claims_the_flow_when_it_comes),
		cmocka_unit_test(test_same_pid_in_another_namespace_is_another_process),
		cmocka_unit_test(test_after_a_restart_deliveries_claim_the_new_namespaces_flows),
		cmocka_unit_test(test_host_maillog_does_not_claim_a_container_flow),
	};

	return cmocka_run_group_tests_name("correlate", tests, NULL, NULL);
}

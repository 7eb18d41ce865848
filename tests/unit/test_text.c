// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_text.c - text_escape(): nothing printed can drive a terminal.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "text.h"

static void expect(const char *in, const char *want)
{
	char out[TEXT_ESCAPE_MAX(64)];

	assert_true(strlen(in) <= 64);
	assert_int_equal(text_escape(out, sizeof(out), in), strlen(want));
	assert_string_equal(out, want);
}

static void test_printable_text_and_utf8_pass_unchanged(void **state)
{
	(void)state;
	expect("sasl:bob@example.org", "sasl:bob@example.org");
	expect("J\xc3\xbcrgen \xe6\x97\xa5\xf0\x9f\x93\xa7", "J\xc3\xbcrgen \xe6\x97\xa5\xf0\x9f\x93\xa7");
	expect("", "");
}

static void test_control_characters_and_del_become_hex(void **state)
{
	(void)state;
	expect("ev\x1b]0;pwned\x07il", "ev\\x1b]0;pwned\\x07il");
	expect("a\nb\rc\td\x7f", "a\\x0ab\\x0dc\\x09d\\x7f");
}

static void test_a_backslash_is_doubled(void **state)
{
	(void)state;
	expect("a\\x1b", "a\\\\x1b");
}

static void test_invalid_utf8_bytes_become_hex(void **state)
{
	(void)state;
	expect("a\xff" "b\xc3", "a\\xffb\\xc3");
	expect("\xc0\xaf", "\\xc0\\xaf");		/* overlong '/' */
	expect("\xed\xa0\x80", "\\xed\\xa0\\x80");	/* a surrogate */
}

static void test_c1_and_bidirectional_controls_become_code_points(void **state)
{
	(void)state;
	expect("\xc2\x9b" "2J", "\\u009b2J");		/* CSI */
	expect("user\xe2\x80\xae" "gpj.exe", "user\\u202egpj.exe");
	expect("\xe2\x81\xa6x\xe2\x81\xa9", "\\u2066x\\u2069");
	expect("\xe2\x80\x8f\xe2\x80\xa8\xd8\x9c", "\\u200f\\u2028\\u061c");
}

static void test_a_small_buffer_never_cuts_an_escape(void **state)
{
	char out[6];

	(void)state;
	assert_int_equal(text_escape(out, sizeof(out), "ab\x1b" "cd"), 2);
	assert_string_equal(out, "ab");
	assert_int_equal(text_escape(out, sizeof(out), "a\xe6\x97\xa5\xe6\x97\xa5"), 4);
	assert_string_equal(out, "a\xe6\x97\xa5");
	assert_int_equal(text_escape(out, 0, "abc"), 0);
}

static void test_four_times_the_input_holds_the_worst_case(void **state)
{
	char in[33], out[TEXT_ESCAPE_MAX(32)];

	(void)state;
	memset(in, 0xff, 32);
	in[32] = '\0';
	assert_int_equal(text_escape(out, sizeof(out), in), 4 * 32);
}

static void test_hex_round_trips_and_refuses_what_is_not_hex(void **state)
{
	char hex[9], out[4];

	(void)state;
	hex_encode(hex, "b\xff\x00" "B", 4);
	assert_string_equal(hex, "62ff0042");
	assert_int_equal(hex_decode(out, sizeof(out), hex), 4);
	assert_memory_equal(out, "b\xff\x00" "B", 4);
	assert_int_equal(hex_decode(out, sizeof(out), "62FF"), 2);
	assert_int_equal((unsigned char)out[1], 0xff);
	assert_int_equal(hex_decode(out, sizeof(out), ""), 0);
	assert_int_equal(hex_decode(out, sizeof(out), "626"), -1);	/* odd */
	assert_int_equal(hex_decode(out, sizeof(out), "6g"), -1);
	assert_int_equal(hex_decode(out, sizeof(out), "6262626262"), -1);	/* too long */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_printable_text_and_utf8_pass_unchanged),
		cmocka_unit_test(test_control_characters_and_del_become_hex),
		cmocka_unit_test(test_a_backslash_is_doubled),
		cmocka_unit_test(test_invalid_utf8_bytes_become_hex),
		cmocka_unit_test(test_c1_and_bidirectional_controls_become_code_points),
		cmocka_unit_test(test_a_small_buffer_never_cuts_an_escape),
		cmocka_unit_test(test_four_times_the_input_holds_the_worst_case),
		cmocka_unit_test(test_hex_round_trips_and_refuses_what_is_not_hex),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

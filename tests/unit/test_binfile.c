// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_binfile.c - the binary state files' writer (binfile.h): what is put,
 * in small and in large pieces, is the file, closed by zlib's CRC-32 of it
 * in 4 little-endian bytes; the readers' check takes that file and refuses
 * any flipped byte or a cut; nothing replaces the old file until commit.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "binfile.h"
#include "testutil.h"

static char dir[64];

static int setup(void **state)
{
	(void)state;
	scratch_dir(dir, sizeof(dir), "binfile");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	scratch_remove(dir);
	return 0;
}

/* The file dir/name into a new buffer; its size in *n. */
static unsigned char *slurp(const char *name, size_t *n)
{
	char path[128];
	unsigned char *buf = malloc(4 * BINFILE_BUF);
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "rb");
	assert_non_null(f);
	assert_non_null(buf);
	*n = fread(buf, 1, 4 * BINFILE_BUF, f);
	fclose(f);
	return buf;
}

static void test_the_file_is_what_was_put_and_its_crc(void **state)
{
	unsigned char *big = malloc(2 * BINFILE_BUF + 3), *file, *want;
	struct binfile *f;
	uint32_t word = 0x01020304, crc;
	size_t n, len = 0;

	(void)state;
	assert_non_null(big);
	for (size_t i = 0; i < 2 * BINFILE_BUF + 3; i++)
		big[i] = (unsigned char)(i * 7);
	f = binfile_open(dir, "x.bin");
	assert_non_null(f);
	binfile_put(f, "head", 4);
	BINFILE_PUT(f, word);
	binfile_put(f, big, 2 * BINFILE_BUF + 3);	/* past the buffer: straight through */
	binfile_put(f, "", 0);
	binfile_put(f, "tail", 4);
	assert_int_equal(binfile_size(f), 4 + 4 + 2 * BINFILE_BUF + 3 + 4);
	assert_int_equal(binfile_commit(f), 0);

	want = malloc(2 * BINFILE_BUF + 32);
	assert_non_null(want);
	memcpy(want + len, "head", 4), len += 4;
	memcpy(want + len, &word, 4), len += 4;
	memcpy(want + len, big, 2 * BINFILE_BUF + 3), len += 2 * BINFILE_BUF + 3;
	memcpy(want + len, "tail", 4), len += 4;
	crc = (uint32_t)crc32(crc32(0L, Z_NULL, 0), want, (uInt)len);
	for (int i = 0; i < 4; i++)
		want[len++] = (unsigned char)(crc >> (8 * i));	/* little-endian */
	file = slurp("x.bin", &n);
	assert_int_equal(n, len);
	assert_memory_equal(file, want, len);
	assert_true(binfile_crc_ok(file, n));
	free(file);
	free(want);
	free(big);
}

static void test_the_check_refuses_every_flipped_byte_and_every_cut(void **state)
{
	struct binfile *f = binfile_open(dir, "y.bin");
	unsigned char *file;
	size_t n;

	(void)state;
	binfile_put(f, "some state, and more of it", 26);
	assert_int_equal(binfile_commit(f), 0);
	file = slurp("y.bin", &n);
	assert_int_equal(n, 26 + BINFILE_CRC);
	for (size_t i = 0; i < n; i++) {
		file[i] ^= 0x20;
		assert_false(binfile_crc_ok(file, n));
		file[i] ^= 0x20;
	}
	for (size_t cut = 0; cut < n; cut++)
		assert_false(binfile_crc_ok(file, cut));
	assert_true(binfile_crc_ok(file, n));
	assert_true(binfile_crc_ok("\0\0\0\0", 4));	/* nothing, and its CRC (0) */
	free(file);
}

static void test_the_old_file_stays_until_commit(void **state)
{
	struct binfile *f;
	unsigned char *file;
	size_t n;

	(void)state;
	f = binfile_open(dir, "z.bin");
	binfile_put(f, "old", 3);
	assert_int_equal(binfile_commit(f), 0);
	f = binfile_open(dir, "z.bin");
	binfile_put(f, "new", 3);
	file = slurp("z.bin", &n);	/* the new one is not there yet */
	assert_int_equal(n, 3 + BINFILE_CRC);
	assert_memory_equal(file, "old", 3);
	free(file);
	assert_int_equal(binfile_commit(f), 0);
	file = slurp("z.bin", &n);
	assert_memory_equal(file, "new", 3);
	free(file);
	assert_null(binfile_open("/nonexistent/dir", "z.bin"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_the_file_is_what_was_put_and_its_crc, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_the_check_refuses_every_flipped_byte_and_every_cut,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_the_old_file_stays_until_commit, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

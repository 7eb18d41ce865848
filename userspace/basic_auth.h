/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * basic_auth.h - the users of /metrics: a password file of bcrypt hashes.
 *
 * The file is what `htpasswd -B` writes, one "user:hash" a line, as
 * Prometheus exporters' web config (basic_auth_users) takes them: only
 * bcrypt ($2a$, $2b$, $2y$) with a cost of BASIC_AUTH_MAX_COST at most,
 * checked by crypt_rn(3) of libxcrypt.  Blank lines and lines starting with
 * '#' are skipped; anything else that is not "user:bcrypt-hash", a user
 * listed twice, a line over BASIC_AUTH_MAX_LINE bytes or more than
 * BASIC_AUTH_MAX_USERS users is refused with "FILE:LINE: reason".
 *
 * A bcrypt check takes milliseconds (about 50 ms at cost 10) and runs on
 * the daemon's one loop, so: a password once verified for a user is
 * remembered as an HMAC-SHA-256 under a per-process random key, and the
 * next scrape costs microseconds; checks that are not remembered are
 * bounded to BASIC_AUTH_CHECKS_BURST at once and BASIC_AUTH_CHECKS_PER_SEC
 * after that (BASIC_AUTH_BUSY beyond).  An unknown user costs a bcrypt
 * check too, so the answer's timing does not tell which users exist; the
 * final comparison is constant-time.  Passwords are never logged or kept.
 */
#ifndef SENTINEL_BASIC_AUTH_H
#define SENTINEL_BASIC_AUTH_H

#include <stddef.h>

#define BASIC_AUTH_MAX_USERS 64
#define BASIC_AUTH_MAX_LINE 512
#define BASIC_AUTH_MAX_COST 12		/* 2^12 rounds: about 200 ms here */
#define BASIC_AUTH_CHECKS_BURST 4
#define BASIC_AUTH_CHECKS_PER_SEC 2

struct basic_auth;

enum basic_auth_result {
	BASIC_AUTH_OK,
	BASIC_AUTH_DENIED,	/* unknown user or wrong password */
	BASIC_AUTH_BUSY,	/* too many checks just now: try again later */
};

/* The file's text (httpd.c reads it); NULL with "NAME:LINE: reason" in err. */
struct basic_auth *basic_auth_parse(const char *name, const char *text,
				    char *err, size_t errlen);
size_t basic_auth_users(const struct basic_auth *a);
enum basic_auth_result basic_auth_check(struct basic_auth *a, const char *user,
					const char *password);
void basic_auth_free(struct basic_auth *a);

#endif

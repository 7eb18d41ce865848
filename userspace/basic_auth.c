// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * basic_auth.c - the password file of /metrics and the check of a password.
 *
 * See basic_auth.h for the file's format and the bounds.  The remembered
 * HMAC is only ever compared with one computed from the password just
 * received; it cannot give the password back without a search, and the key
 * dies with the process.
 */
#include <crypt.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "basic_auth.h"
#include "log.h"

#define BCRYPT_LEN 60		/* "$2y$NN$" + 22 salt + 31 hash characters */
#define MAC_LEN 32		/* HMAC-SHA-256 */

struct auth_user {
	char name[BASIC_AUTH_MAX_LINE];
	char hash[BCRYPT_LEN + 1];
	bool verified;		/* mac holds the last good password's HMAC */
	unsigned char mac[MAC_LEN];
};

struct basic_auth {
	struct auth_user *users;
	size_t nusers;
	unsigned char key[MAC_LEN];
	double tokens;		/* bcrypt checks that may run now */
	double refilled;	/* CLOCK_MONOTONIC of the last refill */
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Equal without a branch on the bytes. */
static bool same(const void *a, const void *b, size_t n)
{
	const volatile unsigned char *x = a, *y = b;
	unsigned char d = 0;

	for (size_t i = 0; i < n; i++)
		d |= x[i] ^ y[i];
	return d == 0;
}

/* "$2a$", "$2b$" or "$2y$", a cost of two digits, '$', 53 of bcrypt's base64. */
static const char *bcrypt_problem(const char *h)
{
	static const char b64[] =
		"./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
	static char why[96];
	int cost;

	if (strncmp(h, "$2a$", 4) != 0 && strncmp(h, "$2b$", 4) != 0 &&
	    strncmp(h, "$2y$", 4) != 0)
		return "not a bcrypt hash (make one with htpasswd -B)";
	if (strlen(h) != BCRYPT_LEN || h[4] < '0' || h[4] > '9' || h[5] < '0' ||
	    h[5] > '9' || h[6] != '$' || strspn(h + 7, b64) != BCRYPT_LEN - 7)
		return "malformed bcrypt hash";
	cost = (h[4] - '0') * 10 + (h[5] - '0');
	if (cost < 4 || cost > BASIC_AUTH_MAX_COST) {
		snprintf(why, sizeof(why), "bcrypt cost %d is not in 4..%d", cost,
			 BASIC_AUTH_MAX_COST);
		return why;
	}
	return NULL;
}

static struct auth_user *find(struct basic_auth *a, const char *name)
{
	for (size_t i = 0; i < a->nusers; i++)
		if (strcmp(a->users[i].name, name) == 0)
			return &a->users[i];
	return NULL;
}

/* One line without its newline; 0, or -1 with the reason in why. */
static int add_line(struct basic_auth *a, char *line, char *why, size_t whylen)
{
	char *colon = strchr(line, ':');
	const char *problem;
	struct auth_user *u;

	if (!colon) {
		snprintf(why, whylen, "not user:hash");
		return -1;
	}
	*colon = '\0';
	if (line[0] == '\0') {
		snprintf(why, whylen, "empty user name");
		return -1;
	}
	for (const unsigned char *p = (const unsigned char *)line; *p; p++)
		if (*p <= ' ' || *p == 0x7f) {
			snprintf(why, whylen, "blank or control character in the user name");
			return -1;
		}
	problem = bcrypt_problem(colon + 1);
	if (problem) {
		snprintf(why, whylen, "%s", problem);
		return -1;
	}
	if (find(a, line)) {
		snprintf(why, whylen, "user listed twice");
		return -1;
	}
	if (a->nusers == BASIC_AUTH_MAX_USERS) {
		snprintf(why, whylen, "more than %d users", BASIC_AUTH_MAX_USERS);
		return -1;
	}
	u = &a->users[a->nusers++];
	memset(u, 0, sizeof(*u));
	strcpy(u->name, line);	/* shorter than the line */
	strcpy(u->hash, colon + 1);
	return 0;
}

struct basic_auth *basic_auth_parse(const char *name, const char *text,
				    char *err, size_t errlen)
{
	struct basic_auth *a = xcalloc(1, sizeof(*a));
	char line[BASIC_AUTH_MAX_LINE + 1], why[128];
	const char *cur = text;
	int lineno = 0;

	a->users = xcalloc(BASIC_AUTH_MAX_USERS, sizeof(*a->users));
	while (*cur) {
		const char *nl = strchr(cur, '\n');
		size_t n = nl ? (size_t)(nl - cur) : strlen(cur);

		lineno++;
		if (n > BASIC_AUTH_MAX_LINE) {
			snprintf(why, sizeof(why), "line longer than %d bytes", BASIC_AUTH_MAX_LINE);
			goto bad;
		}
		memcpy(line, cur, n);
		line[n] = '\0';
		cur += n + (nl != NULL);
		if (n && line[n - 1] == '\r')
			line[--n] = '\0';	/* a file edited on Windows */
		if (n == 0 || line[0] == '#')
			continue;
		if (add_line(a, line, why, sizeof(why)) < 0)
			goto bad;
	}
	if (a->nusers == 0) {
		snprintf(err, errlen, "%s: no users", name);
		goto fail;
	}
	if (gnutls_rnd(GNUTLS_RND_KEY, a->key, sizeof(a->key)) < 0) {
		snprintf(err, errlen, "%s: no random key for the password cache", name);
		goto fail;
	}
	a->tokens = BASIC_AUTH_CHECKS_BURST;
	a->refilled = now_s();
	return a;
bad:
	snprintf(err, errlen, "%s:%d: %s", name, lineno, why);
fail:
	basic_auth_free(a);
	return NULL;
}

size_t basic_auth_users(const struct basic_auth *a)
{
	return a->nusers;
}

static bool take_token(struct basic_auth *a)
{
	double t = now_s();

	a->tokens += (t - a->refilled) * BASIC_AUTH_CHECKS_PER_SEC;
	if (a->tokens > BASIC_AUTH_CHECKS_BURST)
		a->tokens = BASIC_AUTH_CHECKS_BURST;
	a->refilled = t;
	if (a->tokens < 1)
		return false;
	a->tokens -= 1;
	return true;
}

enum basic_auth_result basic_auth_check(struct basic_auth *a, const char *user,
					const char *password)
{
	struct auth_user *u = find(a, user);
	unsigned char mac[MAC_LEN];
	struct crypt_data *cd;
	const char *out;
	bool ok;

	if (gnutls_hmac_fast(GNUTLS_MAC_SHA256, a->key, sizeof(a->key), password,
			     strlen(password), mac) < 0)
		return BASIC_AUTH_DENIED;
	if (u && u->verified && same(u->mac, mac, MAC_LEN))
		return BASIC_AUTH_OK;
	if (!take_token(a))
		return BASIC_AUTH_BUSY;
	/* An unknown user pays for a check against another user's hash. */
	cd = xcalloc(1, sizeof(*cd));	/* 32 KiB: not on the stack */
	out = crypt_rn(password, u ? u->hash : a->users[0].hash, cd, sizeof(*cd));
	ok = out && strlen(out) == BCRYPT_LEN &&
	     same(out, u ? u->hash : a->users[0].hash, BCRYPT_LEN) && u;
	explicit_bzero(cd, sizeof(*cd));
	free(cd);
	if (!ok)
		return BASIC_AUTH_DENIED;
	memcpy(u->mac, mac, MAC_LEN);
	u->verified = true;
	return BASIC_AUTH_OK;
}

void basic_auth_free(struct basic_auth *a)
{
	if (!a)
		return;
	explicit_bzero(a->key, sizeof(a->key));
	free(a->users);
	free(a);
}

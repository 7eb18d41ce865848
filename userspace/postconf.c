// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * postconf.c - Postfix's parameters in one postconf(1) call, on the host
 * or in the container, else from the container's main.cf (see
 * postconf.h).
 *
 * Without postconf, main.cf is read as Postfix's own reader does
 * (readllines(3), dict_load and mac_expand as postconf -x shows them):
 * logical lines (a line that starts with whitespace continues the last
 * one, joined by one space; blank lines and lines whose first
 * non-whitespace character is '#' are skipped and end nothing), `name =
 * value` with both trimmed, the last setting of a name wins; in a value
 * `$$` is `$`, `$name`, `${name}` and `$(name)` are that setting's value,
 * expanded in turn, `${name?text}` and `${name?{text}}` text when it is
 * not empty, `${name:text}` and `${name:{text}}` text when it is,
 * `${name?{t1}:{t2}}` one of the two; the result trimmed.  A name that main.cf does not set
 * has a default this reader does not know (postconf's, which may be
 * compiled in): the value that names it is unknown, as is one with an
 * expression it does not evaluate (`${{a} == {b}?...}`) or a reference
 * loop.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "croot.h"
#include "log.h"
#include "postconf.h"
#include "state.h"

const char *const postconf_names[POSTCONF_NPARAMS] = {
	[POSTCONF_MAIL_OWNER] = "mail_owner",
	[POSTCONF_DAEMON_DIRECTORY] = "daemon_directory",
	[POSTCONF_COMMAND_DIRECTORY] = "command_directory",
	[POSTCONF_QUEUE_DIRECTORY] = "queue_directory",
	[POSTCONF_MAILLOG_FILE] = "maillog_file",
	[POSTCONF_MYDOMAIN] = "mydomain",
	[POSTCONF_MYDESTINATION] = "mydestination",
	[POSTCONF_VIRTUAL_ALIAS_DOMAINS] = "virtual_alias_domains",
	[POSTCONF_VIRTUAL_MAILBOX_DOMAINS] = "virtual_mailbox_domains",
	[POSTCONF_RELAY_DOMAINS] = "relay_domains",
};

/* One `NAME = VALUE` (or `NAME =`) line, cut in place: the value of a
 * name asked for, the first time it appears. */
static void take_line(struct postconf *pc, char *line)
{
	char *eq = strstr(line, " =");

	if (!eq || (eq[2] != '\0' && eq[2] != ' '))
		return;
	*eq = '\0';
	for (int i = 0; i < POSTCONF_NPARAMS; i++)
		if (!pc->value[i] && strcmp(line, postconf_names[i]) == 0) {
			pc->value[i] = eq[2] ? eq + 3 : eq + 2;
			return;
		}
}

/* pc->text (len bytes, NUL-terminated) as `NAME = VALUE` lines. */
static void take_text(struct postconf *pc)
{
	for (char *line = pc->text, *save = NULL; (line = strtok_r(line, "\r\n", &save));
	     line = NULL)
		take_line(pc, line);
}

/* bin_dir/postconf, in the namespaces of enter when > 0.  0, or -1 with
 * the reason in pc->err; *started: whether it ran at all (it exited,
 * whatever its status), so that a caller may read main.cf instead. */
static int run_postconf(struct postconf *pc, const char *bin_dir, const char *config_dir,
			pid_t enter, bool *started)
{
	char bin[PATH_MAX], why[RUN_ERR_MAX + 64];
	const char *argv[POSTCONF_NPARAMS + 8];
	struct run_result *res = xmalloc(sizeof(*res));	/* RUN_OUT_MAX: too big for the stack */
	size_t n = 0;
	int rc = -1;

	snprintf(bin, sizeof(bin), "%s/postconf", bin_dir);
	argv[n++] = bin;
	if (config_dir && config_dir[0]) {
		argv[n++] = "-c";
		argv[n++] = config_dir;
	}
	argv[n++] = "-x";
	argv[n++] = "--";
	for (int i = 0; i < POSTCONF_NPARAMS; i++)
		argv[n++] = postconf_names[i];
	argv[n] = NULL;

	const struct run_spec spec = { .argv = argv, .timeout = POSTCONF_TIMEOUT, .enter = enter };

	if (run_sync(&spec, res) < 0 || !run_ok(res)) {
		*started = !res->spawn_failed;
		run_describe(res, why, sizeof(why));
		snprintf(pc->err, sizeof(pc->err), "%s: %s", bin, why);
		goto out;
	}
	*started = true;
	if (res->out_dropped || memchr(res->out, '\0', res->out_len)) {
		snprintf(pc->err, sizeof(pc->err), "%s: its output is not text of at most %d bytes",
			 bin, RUN_OUT_MAX);
		goto out;
	}
	pc->text = xmalloc(res->out_len + 1);
	memcpy(pc->text, res->out, res->out_len);
	pc->text[res->out_len] = '\0';
	take_text(pc);
	rc = 0;
out:
	free(res);
	return rc;
}

int postconf_read(struct postconf *pc, const char *bin_dir, const char *config_dir)
{
	bool started;

	memset(pc, 0, sizeof(*pc));
	if (run_postconf(pc, bin_dir, config_dir, 0, &started) == 0)
		return 0;
	log_warnx("Postfix's parameters are unknown, defaults apply: %s", pc->err);
	return -1;
}

/* ---- main.cf without postconf ---- */

#define STR_(x) #x
#define STR(x) STR_(x)

struct setting {
	const char *name, *value;
	size_t len, pos;		/* the name's length; its place in main.cf */
};

struct main_cf {
	struct setting *set;		/* sorted by name, the last of each (index_settings) */
	size_t n;
	bool full;			/* more than POSTCONF_MAIN_CF_SETTINGS */
	char *out;			/* the expansion being built */
	size_t len;
	size_t work;			/* bytes scanned for this value */
	const char *why;		/* why a value is unknown */
};

static int name_cmp(const char *a, size_t an, const char *b, size_t bn)
{
	int c = memcmp(a, b, an < bn ? an : bn);

	return c ? c : an < bn ? -1 : an > bn;
}

static int setting_cmp(const void *a, const void *b)
{
	const struct setting *x = a, *y = b;
	int c = name_cmp(x->name, x->len, y->name, y->len);

	return c ? c : x->pos < y->pos ? -1 : x->pos > y->pos;
}

/* m->set sorted by name, each name once: its last setting (the one that
 * wins), so that a reference is found in log n, not n, steps. */
static void index_settings(struct main_cf *m)
{
	size_t k = 0;

	qsort(m->set, m->n, sizeof(*m->set), setting_cmp);
	for (size_t i = 0; i < m->n; i++) {
		if (i + 1 < m->n && name_cmp(m->set[i].name, m->set[i].len, m->set[i + 1].name,
					     m->set[i + 1].len) == 0)
			continue;
		m->set[k++] = m->set[i];
	}
	m->n = k;
}

/* The raw value of name (len bytes), the last setting of it; NULL: unset. */
static const char *setting(const struct main_cf *m, const char *name, size_t len)
{
	size_t lo = 0, hi = m->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = name_cmp(name, len, m->set[mid].name, m->set[mid].len);

		if (c == 0)
			return m->set[mid].value;
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

/* n more bytes scanned for this value: references that multiply (each
 * level naming the next several times, down to an empty one) grow no
 * value over its bound, but would take exponential time; -1 past
 * POSTCONF_EXPAND_WORK. */
static int work(struct main_cf *m, size_t n)
{
	m->work += n + 1;
	if (m->work > POSTCONF_EXPAND_WORK) {
		m->why = "its expansion takes over " STR(POSTCONF_EXPAND_WORK) " steps (references "
			 "that multiply)";
		return -1;
	}
	return 0;
}

static int put(struct main_cf *m, const char *s, size_t n)
{
	if (m->len + n >= POSTCONF_VALUE_MAX) {
		m->why = "its value, expanded, is over " STR(POSTCONF_VALUE_MAX) " bytes";
		return -1;
	}
	memcpy(m->out + m->len, s, n);
	m->len += n;
	return 0;
}

static int expand(struct main_cf *m, const char *s, size_t n, int depth);

/* name's value, expanded, appended; -1 with the reason in m->why. */
static int expand_name(struct main_cf *m, const char *name, size_t len, int depth)
{
	const char *v = setting(m, name, len);

	if (!v) {
		m->why = "it names a parameter that main.cf does not set (its default is "
			 "postconf's)";
		return -1;
	}
	return expand(m, v, strlen(v), depth + 1);
}

/* The end of a bracketed text that opens at s[0] ('{' or '('): the
 * index of its closing bracket, nested ones of the same kind counted;
 * -1 none. */
static long closing(const char *s, size_t n)
{
	char open = s[0], close = open == '{' ? '}' : ')';
	int level = 0;

	for (size_t i = 0; i < n; i++) {
		if (s[i] == open)
			level++;
		else if (s[i] == close && --level == 0)
			return (long)i;
	}
	return -1;
}

/* ${NAME...} or $(NAME...): body is what is between the brackets. */
static int expand_braced(struct main_cf *m, const char *body, size_t n, int depth)
{
	size_t len = 0;
	const char *v, *t;
	size_t tn;
	bool empty, want_empty;

	while (len < n && (body[len] == '_' || (body[len] >= '0' && body[len] <= '9') ||
			   (body[len] >= 'a' && body[len] <= 'z') ||
			   (body[len] >= 'A' && body[len] <= 'Z')))
		len++;
	if (len == 0) {
		m->why = "it has an expression this reader does not evaluate";
		return -1;
	}
	if (len == n)
		return expand_name(m, body, len, depth);
	if (body[len] != '?' && body[len] != ':') {
		m->why = "it has an expression this reader does not evaluate";
		return -1;
	}
	v = setting(m, body, len);
	if (!v) {
		m->why = "it names a parameter that main.cf does not set (its default is "
			 "postconf's)";
		return -1;
	}
	/* whether the value is empty: expanded, as Postfix tests it */
	{
		size_t mark = m->len;

		if (expand(m, v, strlen(v), depth + 1) < 0)
			return -1;
		empty = m->len == mark;
		m->len = mark;
	}
	want_empty = body[len] == ':';
	t = body + len + 1;
	tn = n - len - 1;
	if (tn > 0 && t[0] == '{') {
		/* {t1} or {t1}:{t2} (Postfix 3.0) */
		long c = closing(t, tn);
		const char *t2 = NULL;
		size_t t2n = 0;

		if (work(m, tn) < 0)
			return -1;
		if (c < 0) {
			m->why = "it has an expression this reader does not evaluate";
			return -1;
		}
		if ((size_t)c + 1 < tn) {
			long c2;

			if (t[c + 1] != ':' || (size_t)c + 2 >= tn || t[c + 2] != '{' ||
			    (c2 = closing(t + c + 2, tn - (size_t)c - 2)) < 0 ||
			    (size_t)(c + 2 + c2 + 1) != tn) {
				m->why = "it has an expression this reader does not evaluate";
				return -1;
			}
			t2 = t + c + 3;
			t2n = (size_t)c2 - 1;
		}
		if (empty == want_empty)
			return expand(m, t + 1, (size_t)c - 1, depth + 1);
		return t2 ? expand(m, t2, t2n, depth + 1) : 0;
	}
	return empty == want_empty ? expand(m, t, tn, depth + 1) : 0;
}

/* s (n bytes) with its $ references expanded, appended to m->out. */
static int expand(struct main_cf *m, const char *s, size_t n, int depth)
{
	size_t i = 0;

	if (depth > POSTCONF_EXPAND_DEPTH) {
		m->why = "its references loop";
		return -1;
	}
	if (work(m, n) < 0)
		return -1;
	while (i < n) {
		const char *dollar = memchr(s + i, '$', n - i);
		size_t lit = dollar ? (size_t)(dollar - (s + i)) : n - i;

		if (lit && put(m, s + i, lit) < 0)
			return -1;
		i += lit;
		if (i >= n)
			break;
		i++;	/* the $ */
		if (i < n && s[i] == '$') {
			if (put(m, "$", 1) < 0)
				return -1;
			i++;
		} else if (i < n && (s[i] == '{' || s[i] == '(')) {
			long c = closing(s + i, n - i);

			if (work(m, c < 0 ? n - i : (size_t)c) < 0)
				return -1;
			if (c < 0) {
				m->why = "it has an unbalanced ${ or $(";
				return -1;
			}
			if (expand_braced(m, s + i + 1, (size_t)c - 1, depth) < 0)
				return -1;
			i += (size_t)c + 1;
		} else {
			size_t len = 0;

			while (i + len < n && (s[i + len] == '_' ||
					       (s[i + len] >= '0' && s[i + len] <= '9') ||
					       (s[i + len] >= 'a' && s[i + len] <= 'z') ||
					       (s[i + len] >= 'A' && s[i + len] <= 'Z')))
				len++;
			if (len == 0) {
				m->why = "it has a $ that names nothing";
				return -1;
			}
			if (expand_name(m, s + i, len, depth) < 0)
				return -1;
			i += len;
		}
	}
	return 0;
}

static bool blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/* A complete logical line, `name = value`, into m (a line without `=`,
 * or with a name that has blanks, is not a setting: postconf refuses it,
 * and so is it skipped here). */
static void add_setting(struct main_cf *m, char *logical)
{
	char *eq = strchr(logical, '='), *ne;

	if (!eq)
		return;
	ne = eq;
	while (ne > logical && blank(ne[-1]))
		ne--;
	*ne = '\0';
	eq++;
	while (blank(*eq))
		eq++;
	if (!logical[0] || strpbrk(logical, " \t"))
		return;
	if (m->n >= POSTCONF_MAIN_CF_SETTINGS) {
		m->full = true;
		return;
	}
	m->set[m->n].name = logical;
	m->set[m->n].len = strlen(logical);
	m->set[m->n].pos = m->n;
	m->set[m->n++].value = eq;
}

/* text (NUL-terminated, changed in place) as main.cf's settings, in m. */
static void parse_main_cf(struct main_cf *m, char *text)
{
	char *logical = NULL, *end = NULL;	/* the logical line being built */
	char *p = text;

	for (;;) {
		char *nl = strchr(p, '\n'), *q = p, *e;

		if (nl)
			*nl = '\0';
		e = p + strlen(p);
		while (e > p && blank(e[-1]))
			e--;
		*e = '\0';
		while (blank(*q))
			q++;
		if (*q && *q != '#') {
			if (q == p || !logical) {
				if (logical)
					add_setting(m, logical);
				logical = q;
				end = e;
			} else {
				/* a continuation, joined by one space in place: the
				 * line so far ends before this one starts */
				*end++ = ' ';
				memmove(end, q, (size_t)(e - q) + 1);
				end += e - q;
			}
		}
		if (!nl)
			break;
		p = nl + 1;
	}
	if (logical)
		add_setting(m, logical);
}

/* root's main.cf (config_dir's, else /etc/postfix's, as the container
 * names it), opened inside root: a regular file of at most
 * POSTCONF_MAIN_CF_MAX bytes, without NUL.  Its text, or NULL with the
 * reason in pc->err. */
static char *main_cf_text(struct postconf *pc, const char *root, const char *path)
{
	struct stat st;
	char *text;
	ssize_t got;
	int fd, saved;

	/* O_NONBLOCK: a FIFO there would make the open wait for a writer */
	fd = croot_open(root, path, O_RDONLY | O_NONBLOCK | O_NOCTTY);
	if (fd < 0) {
		snprintf(pc->err, sizeof(pc->err), "%s%s: %s", root, path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > POSTCONF_MAIN_CF_MAX) {
		snprintf(pc->err, sizeof(pc->err), "%s%s: not a regular file of at most %d bytes",
			 root, path, POSTCONF_MAIN_CF_MAX);
		close(fd);
		return NULL;
	}
	text = xmalloc(POSTCONF_MAIN_CF_MAX + 1);
	got = state_read_fd(fd, text, POSTCONF_MAIN_CF_MAX + 1);
	saved = errno;
	close(fd);
	if (got < 0) {
		snprintf(pc->err, sizeof(pc->err), "%s%s: %s", root, path,
			 saved == EFBIG ? "grew past its bound while read" : strerror(saved));
		free(text);
		return NULL;
	}
	if (memchr(text, '\0', (size_t)got)) {
		snprintf(pc->err, sizeof(pc->err), "%s%s: not text (a NUL byte)", root, path);
		free(text);
		return NULL;
	}
	return text;
}

/* Our parameters from root's main.cf, read through root, expanded here:
 * pc->text as postconf -x would print those main.cf gives. */
static int read_main_cf(struct postconf *pc, const char *root, const char *config_dir)
{
	char path[PATH_MAX];
	struct main_cf m = { 0 };
	char *text, *out;
	size_t len = 0, cap = 0;

	snprintf(path, sizeof(path), "%s/main.cf",
		 config_dir && config_dir[0] ? config_dir : "/etc/postfix");
	text = main_cf_text(pc, root, path);
	if (!text)
		return -1;
	m.set = xcalloc(POSTCONF_MAIN_CF_SETTINGS, sizeof(*m.set));
	m.out = xmalloc(POSTCONF_VALUE_MAX);
	parse_main_cf(&m, text);
	if (m.full) {
		/* not read in part: a later setting of a name would be lost */
		snprintf(pc->err, sizeof(pc->err), "%s%s: over %d settings", root, path,
			 POSTCONF_MAIN_CF_SETTINGS);
		free(m.set);
		free(m.out);
		free(text);
		return -1;
	}
	index_settings(&m);
	for (int i = 0; i < POSTCONF_NPARAMS; i++)
		cap += strlen(postconf_names[i]) + 4 + POSTCONF_VALUE_MAX;
	out = xmalloc(cap + 1);
	for (int i = 0; i < POSTCONF_NPARAMS; i++) {
		const char *v = setting(&m, postconf_names[i], strlen(postconf_names[i]));

		m.len = 0;
		m.work = 0;
		m.why = NULL;
		if (!v) {
			pc->why[i] = "main.cf does not set it (read without postconf: its default "
				     "is unknown)";
			continue;
		}
		if (expand(&m, v, strlen(v), 0) < 0 || memchr(m.out, '\n', m.len) ||
		    memchr(m.out, '\r', m.len)) {
			pc->why[i] = m.why ? m.why : "its value has a line break";
			continue;
		}
		/* postconf -x trims the expansion too */
		{
			size_t from = 0;

			while (from < m.len && blank(m.out[from]))
				from++;
			while (m.len > from && blank(m.out[m.len - 1]))
				m.len--;
			len += (size_t)snprintf(out + len, cap + 1 - len, "%s = %.*s\n",
						postconf_names[i], (int)(m.len - from), m.out + from);
		}
	}
	out[len] = '\0';
	pc->text = out;
	take_text(pc);
	pc->main_cf = true;
	snprintf(pc->source, sizeof(pc->source), "%s%s", root, path);
	free(m.set);
	free(m.out);
	free(text);
	return 0;
}

int postconf_read_root(struct postconf *pc, const char *root, const char *bin_dir,
		       const char *config_dir)
{
	char why[sizeof(pc->err)];
	struct croot_proc cp = { 0 };
	bool started = false;
	pid_t pid;

	if (croot_is_host(root))
		return postconf_read(pc, bin_dir, config_dir);
	memset(pc, 0, sizeof(*pc));
	pid = croot_find("/proc", root, &cp, why, sizeof(why));
	if (pid > 0) {
		if (run_postconf(pc, bin_dir, config_dir, pid, &started) == 0) {
			snprintf(pc->source, sizeof(pc->source), "%s/postconf of the container at "
				 "%s, in the namespaces of its pid %d", bin_dir, root, (int)pid);
			log_info("Postfix's parameters: %s", pc->source);
			return 0;
		}
		if (started) {
			log_warnx("Postfix's parameters are unknown, defaults apply: the "
				  "container's (pid %d) %s", (int)pid, pc->err);
			return -1;
		}
		snprintf(why, sizeof(why), "%s", pc->err);
		pc->err[0] = '\0';
	}
	if (read_main_cf(pc, root, config_dir) < 0) {
		log_warnx("Postfix's parameters are unknown, defaults apply: the container's "
			  "postconf cannot run (%s), and its main.cf cannot be read: %s", why,
			  pc->err);
		return -1;
	}
	log_warnx("Postfix's parameters: the container's postconf cannot run (%s): read from "
		  "%s instead, inside the container's root (its links stay in it), without "
		  "postconf: only what main.cf sets, with the $names it sets expanded; the rest "
		  "is unknown and defaults apply", why, pc->source);
	return 0;
}

const char *postconf_get(const struct postconf *pc, enum postconf_param p, const char **why)
{
	const char *v = pc ? pc->value[p] : NULL;

	if (!v && why)
		*why = !pc ? "Postfix's parameters not read" : pc->err[0] ? "postconf failed" :
		       pc->why[p] ? pc->why[p] : "not a parameter of this Postfix";
	return v;
}

void postconf_free(struct postconf *pc)
{
	if (!pc)
		return;
	free(pc->text);
	memset(pc, 0, sizeof(*pc));
}

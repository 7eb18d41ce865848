// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * actions_queue.c - the Postfix queue as the steps see it (see
 * actions_int.h): which queue ids are queued, and whether a queued
 * message is the identity's.
 *
 * The queue is listed with `postqueue -j` into a file in state_dir, read
 * back line by line (one JSON object each; queue ids checked, at most a
 * bound kept, more is an overflow), and removed; right after our postfix
 * reload a failed listing is run again (queue_snapshot_failed()).  A
 * queued message is the
 * identity's only when its queue file says so: `postcat -e -q QID` prints
 * the envelope, whose named attributes (sasl_username, client_address)
 * are Postfix's own; the message's text, which the sender wrote, is never
 * read.  A quarantined copy is checked the same way from its file.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "actions_int.h"
#include "log.h"

/* postqueue -j into state_dir/.postqueue-ID.json */
static void queue_snapshot_path(const struct actions *a, const struct request *r, char *buf,
				size_t cap)
{
	sfmt(buf, cap, "%s/.postqueue-%llu.json", a->cfg.state_dir,
		 (unsigned long long)r->id);
}

enum step_status queue_snapshot_start(struct actions *a, struct request *r)
{
	cmd_reset(&a->cmd);
	cmd_postfix(a, &a->cmd, "postqueue");
	cmd_arg(&a->cmd, "-j");
	queue_snapshot_path(a, r, a->cmd.out_path, sizeof(a->cmd.out_path));
	unlink(a->cmd.out_path);
	return STEP_RUN;
}

/*
 * `postfix reload` returns once it has signalled the master; the master
 * then reads its configuration and replaces its services' processes,
 * showq's among them, and a listing made meanwhile can fail ("postqueue:
 * fatal: malformed showq server response", seen in CI when the lock
 * reloads and the hold lists the queue at once).  The master keeps its pid
 * and its listen sockets across a reload, so neither master.pid nor the
 * showq socket says when that is over: the listing itself is the probe.
 * One that ran and failed within RELOAD_SETTLE seconds of the end of our
 * own reload is run again after RELIST_FIRST seconds, doubling, at most
 * RELIST_MAX times (3.1 s in all): inside the step, with no retry event,
 * each run in the step's audit line.  Any other failure, and one that
 * outlasts these, is the step's as before (retries, then failed).
 */
enum step_status queue_snapshot_failed(struct actions *a, struct request *r,
				       const struct run_result *res, struct outcome *o)
{
	double now = actions_mono(), began = now - res->elapsed, delay;
	char d[256];

	if (a->reloaded_at > 0 && began - a->reloaded_at < RELOAD_SETTLE &&
	    r->relists < RELIST_MAX && !res->spawn_failed && !res->timed_out &&
	    res->signal == 0 && res->exit_status > 0) {
		delay = RELIST_FIRST * (double)(1U << r->relists);
		r->relists++;
		a->retry_at = now + delay;
		run_describe(res, d, sizeof(d));
		log_info("action %s for %s: postqueue -j %.2f s after postfix reload: %s: "
			 "listed again in %.1f s", step_name(r->steps[r->cur]), r->identity,
			 began - a->reloaded_at, d, delay);
		return STEP_WAIT;
	}
	return step_failed(o, "postqueue -j", res);
}

int qid_cmp(const void *x, const void *y)
{
	return strcmp(x, y);
}

bool qid_sorted_has(const struct qid_list *l, const char *qid)
{
	return l->n && bsearch(qid, l->v, l->n, sizeof(*l->v), qid_cmp) != NULL;
}

/* The hold queue of the snapshot (every queue when r->phase is a confirm
 * phase) into out, minus the sorted lists not1 and not2 (either may be
 * NULL); *overflow when it has more than max. */
int queue_snapshot_read(struct actions *a, struct request *r, struct qid_list *out, size_t max,
			 bool *overflow, const struct qid_list *not1, const struct qid_list *not2)
{
	bool any = r->phase == PHASE_CONFIRM_LIST;
	char path[PATH_MAX], *line = NULL;
	size_t cap = 0;
	ssize_t n;
	FILE *f;

	queue_snapshot_path(a, r, path, sizeof(path));
	f = fopen(path, "re");
	if (!f)
		return -1;
	*overflow = false;
	while ((n = getline(&line, &cap, f)) > 0) {
		json_t *j = json_loadb(line, (size_t)n, 0, NULL);
		const char *queue = json_string_value(json_object_get(j, "queue_name"));
		const char *qid = json_string_value(json_object_get(j, "queue_id"));

		if (queue && qid && (any || strcmp(queue, "hold") == 0) && qid_valid(qid) &&
		    !(not1 && qid_sorted_has(not1, qid)) && !(not2 && qid_sorted_has(not2, qid))) {
			if (out->n < max)
				qid_list_add(out, qid);
			else
				*overflow = true;
		}
		json_decref(j);
	}
	free(line);
	fclose(f);
	unlink(path);
	return 0;
}

/*
 * Whether the envelope of a queue file (postcat's output, up to its first
 * "*** MESSAGE CONTENTS" line: never the message, which the sender wrote)
 * says it is identity's: Postfix's own named attribute sasl_username=LOGIN
 * for "sasl:LOGIN", the byte-exact login; for "uid:N" (a local submission)
 * and "client:IP", no sasl_username, and for uid: no client_address
 * attribute, for client: client_address=IP.
 */
bool actions_envelope_names(const char *text, size_t len, const char *identity,
			    const struct action_login *login)
{
	static const char sasl[] = "named_attribute: sasl_username=";
	static const char addr[] = "named_attribute: client_address=";
	const char *p = text, *end = text + len;
	bool has_sasl = false, sasl_ok = false, has_addr = false, addr_ok = false;
	bool is_sasl = strncmp(identity, "sasl:", 5) == 0;
	bool is_client = strncmp(identity, "client:", 7) == 0;

	if (!is_sasl && !is_client && strncmp(identity, "uid:", 4) != 0)
		return false;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = (size_t)((nl ? nl : end) - p);

		if (n >= 20 && memcmp(p, "*** MESSAGE CONTENTS", 20) == 0)
			break;
		if (n >= sizeof(sasl) - 1 && memcmp(p, sasl, sizeof(sasl) - 1) == 0) {
			const char *v = p + sizeof(sasl) - 1;
			size_t vn = n - (sizeof(sasl) - 1);

			has_sasl = true;
			if (is_sasl && !login)
				sasl_ok = vn == strlen(identity + 5) &&
					  memcmp(v, identity + 5, vn) == 0;
			else
				sasl_ok = is_sasl && vn == login->len &&
					  memcmp(v, login->bytes, vn) == 0;
		}
		if (n >= sizeof(addr) - 1 && memcmp(p, addr, sizeof(addr) - 1) == 0) {
			const char *v = p + sizeof(addr) - 1;
			size_t vn = n - (sizeof(addr) - 1);

			has_addr = true;
			addr_ok = is_client && vn == strlen(identity + 7) &&
				  memcmp(v, identity + 7, vn) == 0;
		}
		p = nl ? nl + 1 : end;
	}
	if (is_sasl)
		return sasl_ok;
	if (is_client)
		return !has_sasl && addr_ok;
	return !has_sasl && !has_addr;
}

/* Whether an envelope (postcat's output) is r's identity's: for an inexact
 * login, by its exact bytes, and never when those are not known. */
static bool queue_envelope_is_ours(const struct request *r, const char *text, size_t len)
{
	if (strncmp(r->identity, "sasl:", 5) == 0 && request_login_inexact(r))
		return r->login.len && actions_envelope_names(text, len, r->identity, &r->login);
	return actions_envelope_names(text, len, r->identity, NULL);
}

/* The envelope of the file at path (a quarantined copy) names identity. */
bool queue_file_names(const char *path, const struct request *r)
{
	char *buf = xmalloc(RUN_OUT_MAX);
	size_t n = 0;
	FILE *f = fopen(path, "re");
	bool ok;

	if (f) {
		n = fread(buf, 1, RUN_OUT_MAX, f);
		fclose(f);
	}
	ok = f && queue_envelope_is_ours(r, buf, n);
	free(buf);
	return ok;
}

/*
 * Before a message is held or deleted as identity's, its queue file must
 * say so (actions_envelope_names()): a log line is not enough, since the
 * line that gave the queue id its identity may be forged.  Two phases:
 * the queue is listed (postqueue -j; postcat would wait a second for each
 * message that is gone), then each of r->qids still queued is read with
 * `postcat -e -q QID` (the envelope only: a few ms each).  Then r->qids
 * keeps only the confirmed ones, and r->confirmed is set; the others are
 * counted (unconfirmed) and left alone.  *finished when it is over.
 */
enum step_status queue_confirm(struct actions *a, struct request *r,
				const struct run_result *res, struct outcome *o, bool *finished)
{
	*finished = false;
	/* a step resumed after a restart starts at phase 0 (actions_state.c):
	 * the listing is made again */
	if (r->phase != PHASE_CONFIRM_LIST && r->phase != PHASE_CONFIRM_CAT) {
		r->phase = PHASE_CONFIRM_LIST;
		r->todo.n = 0;
		r->work.n = 0;
		r->gone = 0;
		r->unconfirmed = 0;
		return queue_snapshot_start(a, r);
	}
	if (r->phase == PHASE_CONFIRM_LIST) {
		struct qid_list queued = { 0 };
		bool overflow;

		if (!res)	/* retried */
			return queue_snapshot_start(a, r);
		if (!run_ok(res))
			return queue_snapshot_failed(a, r, res, o);
		if (queue_snapshot_read(a, r, &queued, RELEASE_MAX, &overflow, NULL, NULL) < 0) {
			sfmt(o->detail, sizeof(o->detail), "postqueue -j output: %s",
			     strerror(errno));
			return STEP_FAIL;
		}
		if (queued.n)
			qsort(queued.v, queued.n, sizeof(*queued.v), qid_cmp);
		for (size_t i = 0; i < r->qids.n; i++)
			if (overflow || qid_sorted_has(&queued, r->qids.v[i]))
				qid_list_add(&r->todo, r->qids.v[i]);
			else
				r->gone++;
		qid_list_free(&queued);
		r->phase = PHASE_CONFIRM_CAT;
		r->qi = 0;
		res = NULL;
	}
	if (res) {	/* postcat -e of todo[qi] */
		if (run_ok(res) && queue_envelope_is_ours(r, res->out, res->out_len))
			qid_list_add(&r->work, r->todo.v[r->qi]);
		else if (run_ok(res))
			r->unconfirmed++;
		else
			r->gone++;	/* delivered meanwhile */
		r->qi++;
	}
	if (r->qi < r->todo.n) {
		cmd_reset(&a->cmd);
		cmd_postfix(a, &a->cmd, "postcat");
		cmd_arg(&a->cmd, "-e");
		cmd_arg(&a->cmd, "-q");
		cmd_arg(&a->cmd, r->todo.v[r->qi]);
		return STEP_RUN;
	}
	qid_list_free(&r->qids);
	for (size_t i = 0; i < r->work.n; i++)
		qid_list_add(&r->qids, r->work.v[i]);
	r->confirmed = true;
	a->st.unconfirmed += r->unconfirmed;
	*finished = true;
	return STEP_RUN;
}

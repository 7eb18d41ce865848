/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * hash_free.h - free a uthash table and every item in it.
 *
 * HASH_CLEAR frees the table, not the items, and leaves their hh.next
 * links: walk those after it.  Deleting items one by one with HASH_DEL
 * would cost a hash removal each, and it makes static analyzers lose
 * track of the table uthash frees when the last item goes.
 */
#ifndef SENTINEL_HASH_FREE_H
#define SENTINEL_HASH_FREE_H

#include "hash.h"

/* head: the table's head pointer (set to NULL); free_item(item) frees one. */
#define HASH_FREE_ALL(head, free_item)						\
	do {									\
		__typeof__(head) hf_item_ = (head), hf_next_;			\
										\
		HASH_CLEAR(hh, head);						\
		for (; hf_item_; hf_item_ = hf_next_) {				\
			hf_next_ = hf_item_->hh.next;				\
			free_item(hf_item_);					\
		}								\
	} while (0)

#endif

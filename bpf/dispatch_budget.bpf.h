/* dispatch_budget.bpf.h: how many tasks one ops.dispatch may still insert.
 *
 * The kernel collects the inserts of one ops.dispatch call in a buffer of
 * dispatch_max_batch (SCXX_DISPATCH_BATCH) entries and unloads the
 * scheduler with "dispatch buffer overflow" past it. Every path of
 * ops.dispatch that inserts tasks takes its slots from one budget, taken
 * from the kernel at the start of the call (scx_bpf_dispatch_nr_slots, or
 * the configured batch on a kernel without it), and every loop stops while
 * SCXX_DISPATCH_RESERVE slots are left: those are for the parked agent,
 * inserted last (agent_wakeup.bpf.h). What a loop leaves is carried out by
 * the next ops.dispatch, on this CPU or another. The budget only counts
 * down: a slot given back by scx_bpf_dispatch_cancel() or a flush of the
 * buffer (scx_bpf_dsq_move_to_local) is not counted again, which errs on
 * the safe side.
 *
 * The loops are written once, as macros that name their per-task action,
 * so that the channel self-test (channel_test.bpf.h) drives the very same
 * loops with a recording action on the host. Included once, by scxx.bpf.c. */
#pragma once

#include "scxx_state.bpf.h"

#define SCXX_DISPATCH_RESERVE 1

struct dispatch_budget {
	u32 left;
};

/* The slots of the current ops.dispatch call. */
static __always_inline struct dispatch_budget dispatch_budget_now(void)
{
	struct dispatch_budget b = {.left = SCXX_DISPATCH_BATCH};

	if (bpf_ksym_exists(scx_bpf_dispatch_nr_slots))
		b.left = scx_bpf_dispatch_nr_slots();
	return b;
}

/* May a loop insert one more task and still leave the reserve? */
static __always_inline bool budget_allows_loop(const struct dispatch_budget *b)
{
	return b->left > SCXX_DISPATCH_RESERVE;
}

/* Takes one slot; false (and nothing taken) when none is left. */
static __always_inline bool budget_take(struct dispatch_budget *b)
{
	if (!b->left)
		return false;
	b->left--;
	return true;
}

/* DEFINE_BUDGETED_DRAIN(name, ctx_type, carry_out): a callback for
 * bpf_user_ringbuf_drain() over "dispatched" that reads each decision,
 * carries it out with carry_out(&decision, ctx) at the cost of one slot of
 * ctx->budget, and stops before the next sample once only the reserve is
 * left: a sample read is consumed, so none may be read that cannot be
 * served. Malformed samples are counted and cost nothing. Call the drain
 * only while budget_allows_loop(). */
#define DEFINE_BUDGETED_DRAIN(name, ctx_type, carry_out)                            \
	static long name(struct bpf_dynptr *dynptr, void *ctx)                      \
	{                                                                           \
		ctx_type *c = ctx;                                                  \
		struct scxx_dispatched_task m;                                      \
                                                                                    \
		if (!read_dispatch_msg(dynptr, &m) && budget_take(&c->budget))      \
			carry_out(&m, c);                                           \
		return budget_allows_loop(&c->budget) ? 0 : 1;                      \
	}

/* DEFINE_BUDGETED_CUSTODY_WALK(name, ctx_type, take_back): a callback for
 * bpf_for_each_map_elem() over the "custody" map that hands each entry to
 * take_back(pid, generation, ctx) at the cost of one slot and deletes it;
 * it stops, leaving the entry and ctx->more set, once only the reserve is
 * left. */
#define DEFINE_BUDGETED_CUSTODY_WALK(name, ctx_type, take_back)                     \
	static long name(struct bpf_map *map, s32 *pid, u64 *gen, ctx_type *c)      \
	{                                                                           \
		if (!budget_allows_loop(&c->budget)) {                              \
			c->more = true;                                             \
			return 1;                                                   \
		}                                                                   \
		budget_take(&c->budget);                                            \
		take_back(*pid, *gen, c);                                           \
		bpf_map_delete_elem(map, pid);                                      \
		return 0;                                                           \
	}

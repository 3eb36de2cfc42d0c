/* mapdelete. A slot whose group still has an empty slot becomes empty again (no
 * probe sequence can run through such a group); in a full group it becomes a
 * tombstone, since some other key's probe may pass through. The map is reseeded
 * when it becomes empty, as Go does (issue 25237). */
#include "swiss.h"

void rtmap_mapdelete(const rtmap_maptype *t, rtmap_hmap *h, const void *key)
{
    if (!h || h->used == 0) {
        swiss_check_hashable(t, key);
        return;
    }
    if (RTMAP_UNLIKELY(h->writing))
        swiss_fatal_concurrent_writes();
    bool panicked;
    uint64_t hash = rtmap_hash_key(t, key, h->seed, &panicked);
    if (panicked)
        return;
    swiss_begin_write(h);
    swiss_collect_retired(h);
    swiss_pos pos;
    uint8_t *slot = swiss_find_slot(t, h, key, hash, &pos);
    if (slot) {
        /* Indirect copies go to the retired list while an iterator may read them. */
        if ((t->flags & (RTMAP_INDIRECT_KEY | RTMAP_INDIRECT_ELEM)) && swiss_iterators_live(h) &&
            !swiss_retire_reserve(h, 2)) {
            swiss_fail_oom(h);
            return;
        }
        swiss_slot_clear(t, h, slot);
        if (!pos.tab) {
            /* One group, no probe sequences: never a tombstone. */
            ctrl_set(pos.group, pos.index, SWISS_CTRL_EMPTY);
        } else if (group_match_empty(ctrl_load(pos.group))) {
            ctrl_set(pos.group, pos.index, SWISS_CTRL_EMPTY);
            pos.tab->growth_left++;
            pos.tab->used--;
        } else {
            ctrl_set(pos.group, pos.index, SWISS_CTRL_DELETED);
            h->tombstone_possible = true;
            pos.tab->used--;
        }
        h->used--;
        if (h->used == 0)
            h->seed = rtmap_rand();
    }
    swiss_end_write(h);
}

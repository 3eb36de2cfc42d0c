/* mapdelete, and the slot bookkeeping every delete shares: a deleted slot
 * becomes emptyOne, and a run of emptyOne slots at the end of a chain becomes
 * emptyRest so that searches stop early (Go's back-propagation). The seed
 * changes when the map becomes empty (Go issue 25237). */
#include "chain.h"

void ns_clear_slot(const rtmap_maptype *t, rtmap_hmap *h, uint8_t *k, uint8_t *e)
{
    if (t->flags & RTMAP_INDIRECT_KEY) {
        ns_retire_block(h, *(void **)k, t->key->size);
        *(void **)k = NULL;
    } else if (t->key->ptrbytes) {
        /* Keys without pointers stay as they are (a caller may still read the
           iterator's key after deleting it); pointers must not keep anything
           alive. */
        rtmap_memclr(k, t->key->size);
    }
    if (t->flags & RTMAP_INDIRECT_ELEM) {
        ns_retire_block(h, *(void **)e, t->elem->size);
        *(void **)e = NULL;
    } else {
        /* Always zeroed: m[k] op= v after a delete must start from zero (Go 25936). */
        rtmap_memclr(e, t->elem->size);
    }
}

void ns_delete_slot(const rtmap_maptype *t, rtmap_hmap *h, uint8_t *b_orig, uint8_t *b, unsigned i)
{
    b[i] = NS_EMPTY_ONE;
    if (i == NS_BUCKET_SLOTS - 1) {
        uint8_t *ovf = ns_overflow(t, b);
        if (ovf && ovf[0] != NS_EMPTY_REST)
            goto not_last;
    } else if (b[i + 1] != NS_EMPTY_REST) {
        goto not_last;
    }
    for (;;) {
        b[i] = NS_EMPTY_REST;
        if (i == 0) {
            if (b == b_orig)
                break;
            /* Continue at the last slot of the previous bucket of the chain. */
            uint8_t *c = b;
            for (b = b_orig; ns_overflow(t, b) != c; b = ns_overflow(t, b)) {
            }
            i = NS_BUCKET_SLOTS - 1;
        } else {
            i--;
        }
        if (b[i] != NS_EMPTY_ONE)
            break;
    }
not_last:
    h->count--;
    if (h->count == 0)
        h->hash0 = rtmap_rand();
}

void rtmap_mapdelete(const rtmap_maptype *t, rtmap_hmap *h, const void *key)
{
    if (!h || h->count == 0) {
        ns_check_hashable(t, key);
        return;
    }
    if (RTMAP_UNLIKELY(h->writing))
        ns_fatal_concurrent_writes();
    bool panicked;
    uint64_t hash = rtmap_hash_key(t, key, h->hash0, &panicked);
    if (panicked)
        return;
    ns_begin_write(h);
    ns_collect_retired(t, h);
    if (RTMAP_UNLIKELY(!ns_delete_tpl(t, h, key, hash, ns_generic_key_eq))) {
        ns_fail_oom(h);
        return;
    }
    ns_end_write(h);
}

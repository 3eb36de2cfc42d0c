/* The map fuzzer's target: decodes bytes into operations on one map and checks
 * each result against a model; abort()s on the first disagreement. Built into
 * the libFuzzer binary (fuzz_main.c) and into the replay test (replay.c). */
#ifndef RTMAP_FUZZ_TARGET_H
#define RTMAP_FUZZ_TARGET_H

#include <stddef.h>
#include <stdint.h>

/* Input layout: a header byte (key type: bits 0-2, big elem: bit 3, key domain
 * 16/128/1024/4096: bits 4-5, constructor: bits 6-7), 8 bytes seeding the rand
 * hook, then operations; missing bytes read as 0. */
enum fz_op {
    FZ_OP_ASSIGN,        /* idx:u16 flags:u8 value:u16  (flags: variant bit 0, API bits 1-2) */
    FZ_OP_ACCESS,        /* idx:u16 flags:u8            (API: flags >> 1, 7 ways) */
    FZ_OP_DELETE,        /* idx:u16 flags:u8 */
    FZ_OP_BULK_ASSIGN,   /* start:u16 count:u8 flags:u8 (count*4+1 keys, stride 1+(flags>>3&7)) */
    FZ_OP_BULK_DELETE,   /* start:u16 count:u8 flags:u8 */
    FZ_OP_CLEAR,         /* api:u8 */
    FZ_OP_CLONE,         /* flags:u8 (checked API bit 0, continue with the clone bit 1) */
    FZ_OP_ITERATE,       /* flags:u8 nmut:u8 (API: flags % 3; a mutation after every
                            (flags>>2)%16+1-th entry until nmut were read) */
    FZ_OP_KEYS_VALUES,   /* cap:u8 */
    FZ_OP_REMAKE,        /* api:u8 hint:u16 */
    FZ_OP_FAIL_ALLOC,    /* k:u8: the (k%16+1)-th allocation of the next operation fails */
    FZ_OP_NIL_MAP,
    FZ_OP_UNHASHABLE,    /* which:u8 (any keys only; others do an access) */
    FZ_OP_CHECK_ALL,
    FZ_OP_ITERATE_TWO,   /* flags:u8 nmut:u8, then a step byte at a time: bit 0 picks the
                            iterator; bit 1 a mutation (while nmut lasts); 0xfc|1 abandons
                            the second; otherwise the picked iterator advances */
    FZ_OP_COUNT
};

/* A mutation during FZ_OP_ITERATE: a byte, by value % 16 (below FZ_MUT_ASSIGN: none),
 * then its arguments. */
enum fz_mutation {
    FZ_MUT_ASSIGN = 8,   /* idx:u16 */
    FZ_MUT_DELETE,       /* idx:u16 */
    FZ_MUT_DELETE_CURRENT,
    FZ_MUT_UPDATE_CURRENT,
    FZ_MUT_GROW,         /* count:u8: that many fresh keys */
    FZ_MUT_DELETE_RANGE, /* start:u16 count:u8 */
    FZ_MUT_CLEAR,
    FZ_MUT_STOP
};

void fz_run(const uint8_t *data, size_t size);

/* Totals over every input run so far, for the replay's summary. */
typedef struct fz_stats {
    unsigned long inputs, operations;
    unsigned long injected_failures;   /* allocations made to fail */
    unsigned long oom_reported;        /* ... that an operation reported (panic or ENOMEM) */
} fz_stats;
extern fz_stats fz_totals;

#endif

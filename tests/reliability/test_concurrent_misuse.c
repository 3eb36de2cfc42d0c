/* Concurrent misuse: two threads writing one map, one iterating or reading while
 * another writes. As in Go, detection is best effort, so each scenario runs in a
 * child process up to ATTEMPTS times and must at least once end through the fatal
 * panic hook with Go's message (the hook returns, so the library aborts). The
 * same workloads on one thread never reach the hook. Racy by design: not for
 * ThreadSanitizer (test_typecache_hammer.c is the TSan test). */
#include "support.h"

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define ATTEMPTS   20
#define RUN_MS     400        /* per attempt, after which the child gives up */

static int report_fd = -1;

/* The fatal hook of the child: reports kind and message, then returns, so the
   library aborts the process. */
static void reporting_handler(void *ctx, rtmap_panic_kind kind, const char *msg)
{
    (void)ctx;
    char line[300];
    int n = snprintf(line, sizeof line, "%d:%s\n", (int)kind, msg);
    if (n > 0 && write(report_fd, line, (size_t)n) < 0)
        _exit(9);
}

static const rtmap_maptype *shared_type;
static rtmap_hmap *shared_map;
static atomic_bool stop_all;
static double deadline_ms;

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static bool time_is_up(uint64_t i)
{
    return (i & 255) == 0 && (atomic_load(&stop_all) || now_ms() > deadline_ms);
}

static void *writer(void *arg)
{
    uint64_t base = (uint64_t)(uintptr_t)arg << 32;
    for (uint64_t i = 0; !time_is_up(i); i++) {
        uint64_t k = base | (i % 5000);
        if (i & 1)
            *(uint64_t *)rtmap_mapassign_fast64(shared_type, shared_map, k) = i;
        else
            rtmap_mapdelete_fast64(shared_type, shared_map, k);
    }
    return NULL;
}

static void *iterator(void *arg)
{
    (void)arg;
    for (uint64_t i = 0; !time_is_up(i * 256); i++) {
        rtmap_hiter it;
        uint64_t sum = 0;
        for (rtmap_mapiterinit(shared_type, shared_map, &it); it.key; rtmap_mapiternext(&it))
            sum += *(uint64_t *)it.key;
        (void)sum;
    }
    return NULL;
}

static void *reader(void *arg)
{
    (void)arg;
    uint64_t found = 0;
    for (uint64_t i = 0; !time_is_up(i); i++) {
        bool ok;
        rtmap_mapaccess2_fast64(shared_type, shared_map, i % 5000, &ok);
        found += ok;
    }
    return (void *)(uintptr_t)found;
}

typedef void *(*thread_fn)(void *);

/* The child's work: two threads on one fresh map. */
static void run_pair(thread_fn first, thread_fn second)
{
    shared_type = rt_map_of(&rtmap_type_uint64, &rtmap_type_uint64);
    shared_map = rtmap_makemap(shared_type, 0);
    for (uint64_t k = 0; k < 2000; k++)
        *(uint64_t *)rtmap_mapassign_fast64(shared_type, shared_map, k) = k;
    deadline_ms = now_ms() + RUN_MS;
    pthread_t a, b;
    pthread_create(&a, NULL, first, (void *)1);
    pthread_create(&b, NULL, second, (void *)2);
    pthread_join(a, NULL);
    pthread_join(b, NULL);
}

typedef struct outcome { int fatal_kind; char msg[256]; int status; } outcome;

/* One attempt in a child process; fatal_kind is -1 when the hook was not reached. */
static outcome attempt(thread_fn first, thread_fn second)
{
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(fds[0]);
        report_fd = fds[1];
        alarm(10);   /* a map corrupted by the race may loop; do not hang the test */
        rtmap_set_panic_handler(reporting_handler, NULL);
        run_pair(first, second);
        _exit(0);
    }
    close(fds[1]);
    outcome o = { -1, "", 0 };
    char buf[300];
    ssize_t n = 0, got;
    while (n < (ssize_t)sizeof buf - 1 && (got = read(fds[0], buf + n, sizeof buf - 1 - (size_t)n)) > 0)
        n += got;
    buf[n] = 0;
    close(fds[0]);
    waitpid(pid, &o.status, 0);
    char *colon = strchr(buf, ':');
    if (colon) {
        o.fatal_kind = atoi(buf);
        snprintf(o.msg, sizeof o.msg, "%.*s", (int)strcspn(colon + 1, "\n"), colon + 1);
    }
    return o;
}

/* Runs attempts until the hook reports `kind` with `text`; the library must have
   aborted then. Other outcomes (no detection, another report, a crash of a map
   corrupted by the race) only count. */
static void expect_detection(thread_fn first, thread_fn second, rtmap_panic_kind kind, const char *text)
{
    int undetected = 0, others = 0;
    for (int i = 0; i < ATTEMPTS; i++) {
        outcome o = attempt(first, second);
        if (o.fatal_kind == (int)kind && strcmp(o.msg, text) == 0) {
            assert_true(WIFSIGNALED(o.status));
            assert_int_equal(WTERMSIG(o.status), SIGABRT);
            print_message("detected \"%s\" at attempt %d (%d undetected, %d other outcomes)\n",
                          text, i + 1, undetected, others);
            return;
        }
        if (o.fatal_kind < 0 && WIFEXITED(o.status) && WEXITSTATUS(o.status) == 0)
            undetected++;
        else
            others++, print_message("attempt %d: kind %d \"%s\", status %#x\n", i + 1,
                                    o.fatal_kind, o.msg, o.status);
    }
    fail_msg("\"%s\" never detected in %d attempts (%d undetected, %d other outcomes)",
             text, ATTEMPTS, undetected, others);
}

static void test_two_writers(void **state)
{
    (void)state;
    expect_detection(writer, writer, RTMAP_FATAL_CONCURRENT_WRITES, "concurrent map writes");
}

static void test_iteration_during_write(void **state)
{
    (void)state;
    expect_detection(iterator, writer, RTMAP_FATAL_CONCURRENT_ITER_WRITE,
                     "concurrent map iteration and map write");
}

static void test_read_during_write(void **state)
{
    (void)state;
    expect_detection(reader, writer, RTMAP_FATAL_CONCURRENT_READ_WRITE,
                     "concurrent map read and map write");
}

/* ---- one thread doing all of it never reaches the hook -------------------------------- */

static int fatal_reports;
static void counting_handler(void *ctx, rtmap_panic_kind kind, const char *msg)
{
    (void)ctx;
    (void)kind;
    (void)msg;
    fatal_reports++;
    fail_msg("single-threaded use reached the panic hook: %s", msg);
}

static void test_single_thread_never_reports(void **state)
{
    (void)state;
    rtmap_set_panic_handler(counting_handler, NULL);
    const rtmap_maptype *mt = rt_map_of(&rtmap_type_uint64, &rtmap_type_uint64);
    rtmap_hmap *h = rtmap_makemap(mt, 0);
    for (uint64_t round = 0; round < 20; round++) {
        for (uint64_t i = 0; i < 3000; i++) {
            uint64_t k = (round * 7919 + i) % 5000;
            if (i & 1)
                *(uint64_t *)rtmap_mapassign_fast64(mt, h, k) = i;
            else
                rtmap_mapdelete_fast64(mt, h, k);
            bool ok;
            rtmap_mapaccess2_fast64(mt, h, k ^ 1, &ok);
        }
        /* writes inside an iteration loop are allowed on one thread */
        rtmap_hiter it;
        uint64_t n = 0;
        for (rtmap_mapiterinit(mt, h, &it); it.key; rtmap_mapiternext(&it)) {
            uint64_t k = *(uint64_t *)it.key;
            if (n++ % 3 == 0)
                rtmap_mapdelete(mt, h, &k);
            else
                *(uint64_t *)rtmap_mapassign_fast64(mt, h, k + 5000 * (round + 1)) = k;
        }
        RT_VERIFY(mt, h);
    }
    rtmap_mapfree(mt, h);
    rtmap_set_panic_handler(NULL, NULL);
    assert_int_equal(fatal_reports, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_two_writers),
        cmocka_unit_test(test_iteration_during_write),
        cmocka_unit_test(test_read_during_write),
        cmocka_unit_test(test_single_thread_never_reports),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

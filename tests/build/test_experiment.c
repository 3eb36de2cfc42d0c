/* The generated experiment header, the run-time report and the option agree. */
#include "support.h"

#include <stdlib.h>
#include <string.h>

static void test_header_matches_library(void **state)
{
    (void)state;
    assert_int_equal(RTMAP_EXPERIMENT_SWISSMAP, RTMAP_EXPERIMENT_SWISSMAP_INT);
    assert_int_equal(rtmap_experiment_swissmap() ? 1 : 0, RTMAP_EXPERIMENT_SWISSMAP);
}

static void test_library_matches_option(void **state)
{
    (void)state;
    const char *want = getenv("RTMAP_EXPECT_SWISSMAP");
    assert_non_null(want);
    assert_int_equal(rtmap_experiment_swissmap(), strcmp(want, "true") == 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_header_matches_library),
        cmocka_unit_test(test_library_matches_option),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

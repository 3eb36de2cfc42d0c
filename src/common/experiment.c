/* Which map implementation this library was built with (mirrors goexperiment). */
#include "internal.h"

bool rtmap_experiment_swissmap(void)
{
    return RTMAP_EXPERIMENT_SWISSMAP != 0;
}

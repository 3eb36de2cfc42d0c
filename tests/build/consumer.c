/* Compiled and linked by check_install.sh through pkg-config only. */
#include <rtmap.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
    const rtmap_maptype *t;
    if (rtmap_map_of(&rtmap_type_string, &rtmap_type_int64, &t) != RTMAP_OK)
        return 1;
    if (strcmp(t->type.str, "map[string]int64") != 0)
        return 2;
    int want_swiss = argc > 1 && strcmp(argv[1], "true") == 0;
    if (rtmap_experiment_swissmap() != want_swiss || RTMAP_EXPERIMENT_SWISSMAP != want_swiss)
        return 3;
    uint8_t key[16];
    for (int i = 0; i < 16; i++)
        key[i] = (uint8_t)i;
    if (rtmap_siphash24(key, "", 0) != 0x726fdb47dd0e0e31ULL)
        return 4;
    printf("consumer ok: %s build, hash %s\n", want_swiss ? "swiss" : "noswiss", rtmap_hash_name());
    return 0;
}

#include <rtmap.h>
#include <stdio.h>

int main(void)
{
    const rtmap_maptype *t;                  /* map[string]int64 */
    if (rtmap_map_of(&rtmap_type_string, &rtmap_type_int64, &t) != RTMAP_OK)
        return 1;
    rtmap_hmap *m = rtmap_makemap(t, 0);
    const char *words[] = { "go", "c", "go", "rust", "go" };
    for (int i = 0; i < 5; i++) {           /* m[w]++ */
        rtmap_string k = { words[i], __builtin_strlen(words[i]) };
        *(int64_t *)rtmap_mapassign_faststr(t, m, k) += 1;
    }
    rtmap_hiter it;
    for (rtmap_mapiterinit(t, m, &it); it.key; rtmap_mapiternext(&it)) {
        const rtmap_string *k = it.key;
        printf("%.*s: %lld\n", (int)k->len, k->ptr, (long long)*(int64_t *)it.elem);
    }
    printf("len %ld\n", (long)rtmap_maplen(m));
    rtmap_mapfree(t, m);
    return rtmap_maplen(NULL) == 0 ? 0 : 1;
}

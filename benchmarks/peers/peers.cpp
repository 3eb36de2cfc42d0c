// The peers workloads (benchmarks/peers/README.md) for C++ hash maps:
// absl::flat_hash_map, boost::unordered_flat_map and std::unordered_map, each
// compiled in when its header is there (PEERS_ABSL, PEERS_BOOST).
//   peers_cpp <absl|boost|std> [--full]
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#ifdef PEERS_ABSL
#include <absl/container/flat_hash_map.h>
#endif
#ifdef PEERS_BOOST
#include <boost/unordered/unordered_flat_map.hpp>
#endif

namespace {

// ---- allocation accounting: every map gets this allocator ---------------------
std::int64_t live_bytes;

template <class T>
struct CountingAllocator {
    using value_type = T;
    CountingAllocator() = default;
    template <class U>
    CountingAllocator(const CountingAllocator<U> &) {}
    T *allocate(std::size_t n)
    {
        live_bytes += static_cast<std::int64_t>(n * sizeof(T));
        return std::allocator<T>().allocate(n);
    }
    void deallocate(T *p, std::size_t n)
    {
        live_bytes -= static_cast<std::int64_t>(n * sizeof(T));
        std::allocator<T>().deallocate(p, n);
    }
    template <class U>
    bool operator==(const CountingAllocator<U> &) const { return true; }
    template <class U>
    bool operator!=(const CountingAllocator<U> &) const { return false; }
};

// ---- keys (benchmarks/keys.c) ----------------------------------------------------
std::uint64_t int64_key(std::uint64_t i)
{
    std::uint64_t z = 0x5eed0000000000a5ull + (i + 1) * 0x9e3779b97f4a7c15ull;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

struct Keys {
    std::vector<std::uint64_t> u64;
    std::vector<char> chars;
    std::vector<std::string_view> str;
    explicit Keys(std::size_t count) : u64(count), chars(16 * count), str(count)
    {
        static const char hex[] = "0123456789abcdef";
        for (std::size_t i = 0; i < count; i++) {
            std::uint64_t x = u64[i] = int64_key(i);
            char *p = &chars[16 * i];
            for (int d = 15; d >= 0; d--, x >>= 4)
                p[d] = hex[x & 15];
            str[i] = std::string_view(p, 16);
        }
    }
    const std::uint64_t &get(std::size_t i, std::uint64_t *) const { return u64[i]; }
    const std::string_view &get(std::size_t i, std::string_view *) const { return str[i]; }
};

std::uint64_t now_ns()
{
    return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
        std::chrono::steady_clock::now().time_since_epoch()).count());
}

const std::size_t kMinOps = 1 << 20;
std::uint64_t sink;

void report(const char *op, const char *key, std::size_t n, std::uint64_t ops, std::uint64_t ns,
            const char *extra = "")
{
    std::printf("BenchmarkPeers/Op=%s/Key=%s/len=%zu\t%llu\t%.2f ns/op%s\n", op, key, n,
                static_cast<unsigned long long>(ops), static_cast<double>(ns) / static_cast<double>(ops),
                extra);
    std::fflush(stdout);
}

[[noreturn]] void fail(const char *what, const char *key, std::size_t n)
{
    std::printf("--- FAIL: BenchmarkPeers/Op=%s/Key=%s/len=%zu\n", what, key, n);
    std::exit(1);
}

template <class Map, class K>
void run_size(const Keys &keys, const char *key_name, std::size_t n, bool latency)
{
    K *tag = nullptr;
    std::size_t reps = std::max<std::size_t>(1, (kMinOps + n - 1) / n);
    std::size_t churn_ops = std::max(n, kMinOps);
    char extra[96];

    for (int presized = 0; presized < 2; presized++) {
        std::uint64_t ns = 0;
        double per_entry = 0;
        for (std::size_t r = 0; r < reps; r++) {
            std::int64_t before = live_bytes;
            auto *m = new Map();
            std::uint64_t t0 = now_ns();
            if (presized)
                m->reserve(n);
            for (std::size_t i = 0; i < n; i++)
                (*m)[keys.get(i, tag)] = keys.u64[i];
            ns += now_ns() - t0;
            per_entry = static_cast<double>(live_bytes - before) / static_cast<double>(n);
            if (m->size() != n)
                fail("insert", key_name, n);
            delete m;
        }
        std::snprintf(extra, sizeof extra, "\t%.2f B/entry", per_entry);
        report(presized ? "insert-presized" : "insert", key_name, n, reps * n, ns, presized ? "" : extra);
    }

    Map m;
    for (std::size_t i = 0; i < n; i++)
        m[keys.get(i, tag)] = keys.u64[i];

    for (int hit = 1; hit >= 0; hit--) {
        std::size_t first = hit ? 0 : n, found = 0;
        std::uint64_t sum = 0, t0 = now_ns();
        for (std::size_t r = 0; r < reps; r++)
            for (std::size_t i = first; i < first + n; i++) {
                auto it = m.find(keys.get(i, tag));
                if (it != m.end()) {
                    found++;
                    sum += it->second;
                }
            }
        std::uint64_t ns = now_ns() - t0;
        sink += sum;
        if (found != (hit ? reps * n : 0))
            fail(hit ? "lookup-hit" : "lookup-miss", key_name, n);
        report(hit ? "lookup-hit" : "lookup-miss", key_name, n, reps * n, ns);
    }

    {
        std::uint64_t sum = 0, seen = 0, t0 = now_ns();
        for (std::size_t r = 0; r < reps; r++)
            for (const auto &kv : m) {
                sum += kv.second;
                seen++;
            }
        std::uint64_t ns = now_ns() - t0;
        sink += sum;
        if (seen != reps * n)
            fail("iterate", key_name, n);
        report("iterate", key_name, n, reps * n, ns);
    }

    {
        std::uint64_t t0 = now_ns();
        for (std::size_t i = 0; i < churn_ops; i++) {
            m.erase(keys.get(i, tag));
            m[keys.get(n + i, tag)] = keys.u64[n + i];
        }
        std::uint64_t ns = now_ns() - t0;
        if (m.size() != n)
            fail("churn", key_name, n);
        report("churn", key_name, n, churn_ops, ns);
    }

    {
        std::uint64_t ns = 0;
        for (std::size_t r = 0; r < reps; r++) {
            Map d;
            for (std::size_t i = 0; i < n; i++)
                d[keys.get(i, tag)] = keys.u64[i];
            std::uint64_t t0 = now_ns();
            for (std::size_t i = 0; i < n; i++)
                d.erase(keys.get(i, tag));
            ns += now_ns() - t0;
            if (!d.empty())
                fail("delete", key_name, n);
        }
        report("delete", key_name, n, reps * n, ns);
    }

    {
        // Bytes held after deleting 99% of the entries (issue 8): none of these
        // maps gives memory back on erase.
        std::int64_t before = live_bytes;
        auto *d = new Map();
        for (std::size_t i = 0; i < n; i++)
            (*d)[keys.get(i, tag)] = keys.u64[i];
        std::int64_t peak = live_bytes - before;
        std::uint64_t deleted = 0, t0 = now_ns();
        for (std::size_t i = 0; i < n; i++)
            if (i % 100 != 0) {
                d->erase(keys.get(i, tag));
                deleted++;
            }
        std::uint64_t ns = now_ns() - t0;
        std::int64_t after = live_bytes - before;
        if (d->size() != (n + 99) / 100)
            fail("shrink99", key_name, n);
        std::snprintf(extra, sizeof extra, "\t%lld peak-B\t%lld after-B", static_cast<long long>(peak),
                      static_cast<long long>(after));
        report("shrink99", key_name, n, deleted ? deleted : 1, ns, extra);
        delete d;
    }

    if (latency) {
        std::vector<std::uint32_t> lat(n);
        Map g;
        std::uint64_t prev = now_ns(), start = prev;
        for (std::size_t i = 0; i < n; i++) {
            g[keys.get(i, tag)] = keys.u64[i];
            std::uint64_t t = now_ns();
            lat[i] = static_cast<std::uint32_t>(std::min<std::uint64_t>(t - prev, UINT32_MAX));
            prev = t;
        }
        std::uint64_t total = prev - start;
        std::uint32_t mx = *std::max_element(lat.begin(), lat.end());
        std::size_t rank = static_cast<std::size_t>(static_cast<double>(n) * 0.9999 + 0.999999);
        std::nth_element(lat.begin(), lat.begin() + (rank - 1), lat.end());
        std::snprintf(extra, sizeof extra, "\t%u max-ns\t%u p99.99-ns", mx, lat[rank - 1]);
        report("insert-latency", key_name, n, n, total, extra);
    }
}

template <template <class, class> class MapOf>
void run_all(const std::vector<std::size_t> &sizes)
{
    Keys keys(sizes.back() + std::max(sizes.back(), kMinOps));
    for (std::size_t n : sizes)
        run_size<MapOf<std::uint64_t, std::uint64_t>, std::uint64_t>(keys, "uint64", n, n == sizes.back());
    for (std::size_t n : sizes)
        run_size<MapOf<std::string_view, std::uint64_t>, std::string_view>(keys, "string16", n, n == sizes.back());
}

template <class K, class V>
using StdMap = std::unordered_map<K, V, std::hash<K>, std::equal_to<K>,
                                  CountingAllocator<std::pair<const K, V>>>;
#ifdef PEERS_ABSL
template <class K, class V>
using AbslMap = absl::flat_hash_map<K, V, typename absl::flat_hash_map<K, V>::hasher,
                                    typename absl::flat_hash_map<K, V>::key_equal,
                                    CountingAllocator<std::pair<const K, V>>>;
#endif
#ifdef PEERS_BOOST
template <class K, class V>
using BoostMap = boost::unordered_flat_map<K, V, boost::hash<K>, std::equal_to<K>,
                                           CountingAllocator<std::pair<const K, V>>>;
#endif

}  // namespace

int main(int argc, char **argv)
{
    if (argc < 2) {
        std::fprintf(stderr, "usage: peers_cpp <absl|boost|std> [--full]\n");
        return 2;
    }
    std::string which = argv[1];
    std::vector<std::size_t> sizes = { 1 << 10, 1 << 16, 1 << 20 };
    if (argc > 2 && std::strcmp(argv[2], "--full") == 0)
        sizes.push_back(1 << 23);
    std::printf("peer: %s\n", which.c_str());
    if (which == "std")
        run_all<StdMap>(sizes);
#ifdef PEERS_ABSL
    else if (which == "absl")
        run_all<AbslMap>(sizes);
#endif
#ifdef PEERS_BOOST
    else if (which == "boost")
        run_all<BoostMap>(sizes);
#endif
    else {
        std::fprintf(stderr, "peers_cpp: %s not compiled in\n", which.c_str());
        return 2;
    }
    std::printf("PASS\n");
    return sink == 42 ? 3 : 0;
}

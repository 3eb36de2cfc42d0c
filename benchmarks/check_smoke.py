#!/usr/bin/env python3
"""bench-smoke: runs `rtmap_bench --smoke` (every workload once at small sizes)
and checks what it printed: the program passed its own value checks, every line
parses with benchmarks/ab's parser, every workload of issue 5 is there for every
key type and size, and the extra metrics are sane. Never checks timing."""

import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchstats  # noqa: E402

SIZES = (6, 64, 1024)
LATENCY_LEN = 4096
FAST = ("Key=int32/Elem=int32", "Key=int64/Elem=int64", "Key=string/Elem=string")
GENERIC = ("Key=int64/Elem=int64/Path=generic",)
WITH_GENERIC = ("MapAccessHit", "MapAccessMiss", "MapAssignGrow", "MapAssignPreAllocate",
                "MapAssignReuse", "MapDelete", "MapPopulate")
FAST_ONLY = ("MapIter", "MapClear")
INT64_ONLY = ("MapAccessHitRandom", "MapAccessMissRandom", "MapShrink99", "MapSparseClear",
              "MapSparseIter", "MapWaves")
UNSIZED = ("NewEmptyMap", "NewSmallMap", "SmallStrMap", "MapStringKeysEight_16",
           "MapStringKeysEight_32", "MapStringKeysEight_64", "MapStringKeysEight_1M", "MegMap")
ELEM_BYTES = {"int32": 4, "int64": 8, "string": 16}


def expected_names():
    names = set(UNSIZED)
    for fam in WITH_GENERIC + FAST_ONLY:
        configs = FAST + (GENERIC if fam in WITH_GENERIC else ())
        for c in configs:
            for n in SIZES:
                names.add("%s/%s/len=%d" % (fam, c, n))
    for c in FAST:
        names.add("MapInsertLatency/%s/len=%d" % (c, LATENCY_LEN))
    for fam in INT64_ONLY:
        for n in SIZES:
            names.add("%s/Key=int64/Elem=int64/len=%d" % (fam, n))
    return names


def run(exe, *args):
    p = subprocess.run([exe] + list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       universal_newlines=True, timeout=600)
    return p.returncode, p.stdout, p.stderr


def main():
    exe = sys.argv[1]
    problems = []

    code, out, err = run(exe, "--smoke")
    if code != 0:
        problems.append("rtmap_bench --smoke exited with %d\n%s%s" % (code, out[-3000:], err[-2000:]))
    try:
        config, results, failures = benchstats.parse_output(out)
    except benchstats.FormatError as e:
        print("FAIL: %s" % e)
        return 1
    problems += ["benchmark failed: " + f for f in failures]
    if config.get("rtmap-impl") not in ("swiss", "noswiss"):
        problems.append("no rtmap-impl configuration line")
    if out.rstrip().splitlines()[-1:] != ["PASS"]:
        problems.append("output does not end with PASS")

    seen = {}
    for name, iterations, metrics in results:
        if name in seen:
            problems.append("benchmark printed twice: " + name)
        seen[name] = metrics
        for unit in ("ns/op", "B/op", "allocs/op"):
            if unit not in metrics or metrics[unit] < 0:
                problems.append("%s: missing or negative %s" % (name, unit))
        if metrics.get("ns/op", 0) <= 0:
            problems.append("%s: ns/op must be positive" % name)
        if name.startswith("MapPopulate/"):
            key = name.split("Key=")[1].split("/")[0]
            per_entry = metrics.get("B/entry", 0)
            if per_entry < 2 * ELEM_BYTES[key]:
                problems.append("%s: %.1f B/entry is less than a key and an elem" % (name, per_entry))
        if name.startswith("MapInsertLatency/"):
            mx, p = metrics.get("max-ns", -1), metrics.get("p99.99-ns", -1)
            if not (0 < p <= mx):
                problems.append("%s: want 0 < p99.99-ns (%s) <= max-ns (%s)" % (name, p, mx))
            if iterations != LATENCY_LEN:
                problems.append("%s: %d inserts, want %d" % (name, iterations, LATENCY_LEN))

    want = expected_names()
    for name in sorted(want - set(seen)):
        problems.append("missing: " + name)
    for name in sorted(set(seen) - want):
        problems.append("unexpected: " + name)

    # --list names exactly what runs; --filter selects by regular expression
    code, listed, _ = run(exe, "--smoke", "--list")
    listed_names = {l[len("Benchmark"):] for l in listed.split()}
    if code != 0 or listed_names != want:
        problems.append("--list does not name the benchmarks that run")
    code, out, _ = run(exe, "--smoke", "--filter=^MapIter/Key=int64/")
    _, filtered, _ = benchstats.parse_output(out)
    got = sorted(n for n, _, _ in filtered)
    if code != 0 or got != sorted("MapIter/Key=int64/Elem=int64/len=%d" % n for n in SIZES):
        problems.append("--filter=^MapIter/Key=int64/ exited %d and ran %s" % (code, got))

    for p in problems:
        print("FAIL: " + p)
    if not problems:
        print("ok: %d benchmarks ran, checked their values and printed well-formed lines" % len(seen))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

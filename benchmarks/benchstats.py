"""Go benchmark format, medians and the Mann-Whitney U test, for benchmarks/ab.

Python 3 standard library only. Reads what rtmap_bench (or `go test -bench`)
prints: configuration lines ("key: value") and result lines

    BenchmarkName/sub-2    <iterations>    <value> <unit>    <value> <unit> ...
"""

import math
import re
from functools import lru_cache

_RESULT = re.compile(r"^Benchmark(\S+)\s+(\d+)((?:\s+\S+\s+\S+)+)\s*$")
_CONFIG = re.compile(r"^([a-z][^\s:A-Z]*):\s*(.*)$")
_PROCS = re.compile(r"-\d+$")


class FormatError(ValueError):
    pass


def parse_result_line(line):
    """(name without "Benchmark" and -procs suffix, iterations, {unit: value}),
    or None for a line that is not a result. A line that starts like a result
    but is malformed raises FormatError."""
    if not line.startswith("Benchmark"):
        return None
    m = _RESULT.match(line.rstrip("\n"))
    if not m:
        raise FormatError("malformed result line: %r" % line)
    name, iterations, rest = m.group(1), int(m.group(2)), m.group(3).split()
    if iterations <= 0:
        raise FormatError("iterations must be positive: %r" % line)
    metrics = {}
    for value, unit in zip(rest[0::2], rest[1::2]):
        try:
            v = float(value)
        except ValueError:
            raise FormatError("not a number %r in %r" % (value, line)) from None
        if not math.isfinite(v) or unit in metrics:
            raise FormatError("bad or repeated metric %r %r in %r" % (value, unit, line))
        metrics[unit] = v
    if "ns/op" not in metrics:
        raise FormatError("no ns/op in %r" % line)
    return _PROCS.sub("", name), iterations, metrics


def parse_output(text):
    """All results and configuration of one or more concatenated runs:
    (config dict, list of (name, iterations, metrics), list of failure lines)."""
    config, results, failures = {}, [], []
    for line in text.splitlines():
        if line.startswith("--- FAIL"):
            failures.append(line)
            continue
        r = parse_result_line(line)
        if r is not None:
            results.append(r)
            continue
        c = _CONFIG.match(line)
        if c:
            config[c.group(1)] = c.group(2)
    return config, results, failures


def collect(results):
    """{name: {unit: [values in run order]}}, names in first-seen order."""
    out = {}
    for name, _, metrics in results:
        per_unit = out.setdefault(name, {})
        for unit, v in metrics.items():
            per_unit.setdefault(unit, []).append(v)
    return out


def median(xs):
    s = sorted(xs)
    n = len(s)
    if n == 0:
        raise ValueError("median of nothing")
    return s[n // 2] if n % 2 else (s[n // 2 - 1] + s[n // 2]) / 2


def spread(xs):
    """benchstat's ±: the largest distance of a sample from the median, as a
    fraction of the median."""
    m = median(xs)
    if m == 0:
        return 0.0
    return max(abs(x - m) for x in xs) / abs(m)


@lru_cache(maxsize=None)
def _u_counts(m, n):
    """Number of orderings of m x's and n y's (all distinct) giving each value
    of U = #{(i, j): x_i > y_j}, as a tuple indexed by U."""
    if m == 0 or n == 0:
        return (1,)
    counts = [0] * (m * n + 1)
    # the largest of all values is an x (beats every y) or a y (beats nothing)
    for u, c in enumerate(_u_counts(m - 1, n)):
        counts[u + n] += c
    for u, c in enumerate(_u_counts(m, n - 1)):
        counts[u] += c
    return tuple(counts)


def mann_whitney_u(xs, ys):
    """Two-sided p-value of the Mann-Whitney U test that xs and ys come from the
    same distribution. Exact distribution without ties and for small samples;
    otherwise the normal approximation with tie and continuity corrections."""
    m, n = len(xs), len(ys)
    if m == 0 or n == 0:
        raise ValueError("empty sample")
    u = 0.0
    for x in xs:
        for y in ys:
            u += 1.0 if x > y else 0.5 if x == y else 0.0
    pooled = sorted(list(xs) + list(ys))
    ties = len(set(pooled)) != len(pooled)
    if not ties and m + n <= 60:
        counts = _u_counts(m, n)
        total = math.comb(m + n, m)
        k = int(round(u))
        lower = sum(counts[: k + 1]) / total
        upper = sum(counts[k:]) / total
        return min(1.0, 2 * min(lower, upper))
    big_n = m + n
    tie_term = 0
    i = 0
    while i < big_n:
        j = i
        while j < big_n and pooled[j] == pooled[i]:
            j += 1
        t = j - i
        tie_term += t ** 3 - t
        i = j
    var = m * n / 12.0 * ((big_n + 1) - tie_term / (big_n * (big_n - 1)))
    if var <= 0:
        return 1.0
    z = max(0.0, abs(u - m * n / 2.0) - 0.5) / math.sqrt(var)
    return min(1.0, math.erfc(z / math.sqrt(2)))


def wilcoxon_signed_rank(xs, ys):
    """Two-sided p-value of the Wilcoxon signed-rank test that the pairs
    (xs[i], ys[i]) differ by a distribution symmetric about zero. Differences
    of zero are dropped; ties among the rest take their mean rank. Exact: the
    null distribution of the positive rank sum is counted over all 2^n sign
    assignments, in half-ranks so that tied (mean) ranks stay integers."""
    if len(xs) != len(ys):
        raise ValueError("unpaired samples")
    diffs = [x - y for x, y in zip(xs, ys) if x != y]
    n = len(diffs)
    if n == 0:
        return 1.0
    order = sorted(range(n), key=lambda i: abs(diffs[i]))
    half_ranks = [0] * n   # twice the rank, an integer even for mean ranks
    i = 0
    while i < n:
        j = i
        while j < n and abs(diffs[order[j]]) == abs(diffs[order[i]]):
            j += 1
        for k in range(i, j):
            half_ranks[order[k]] = i + 1 + j   # (i+1 + j) / 2 ranks, doubled
        i = j
    w_plus = sum(r for r, d in zip(half_ranks, diffs) if d > 0)
    counts = {0: 1}
    for r in half_ranks:
        nxt = dict(counts)
        for w, c in counts.items():
            nxt[w + r] = nxt.get(w + r, 0) + c
        counts = nxt
    all_ways = 2 ** n
    lower = sum(c for w, c in counts.items() if w <= w_plus) / all_ways
    upper = sum(c for w, c in counts.items() if w >= w_plus) / all_ways
    return min(1.0, 2 * min(lower, upper))


def paired_ratio(xs, ys):
    """The median over pairs of ys[i] / xs[i] (robust to a run that a
    neighbour slowed down), or None when a value is not positive."""
    if any(x <= 0 or y <= 0 for x, y in zip(xs, ys)):
        return None
    return median([y / x for x, y in zip(xs, ys)])


ALPHA = 0.05


def fmt_value(v):
    a = abs(v)
    if a >= 1e6:
        return "%.4gM" % (v / 1e6)
    if a >= 1000:
        return "%.0f" % v
    if a >= 100:
        return "%.1f" % v
    if a >= 10:
        return "%.2f" % v
    return "%.3f" % v


def compare(samples_a, samples_b, unit, paired=False):
    """Rows comparing build A and build B in one unit: list of dicts with name,
    medians, spreads, delta (fraction, B vs A), p and n. Either side may be
    missing for a name (that build did not produce it). paired: sample i of A
    and sample i of B were taken next to each other in time (benchmarks/ab
    --lockstep); delta is then the median of the per-pair ratios and p comes
    from the Wilcoxon signed-rank test, which compares each run with its
    neighbour instead of pooling runs taken minutes apart."""
    rows = []
    names = list(samples_a) + [k for k in samples_b if k not in samples_a]
    for name in names:
        a = samples_a.get(name, {}).get(unit)
        b = samples_b.get(name, {}).get(unit)
        if not a and not b:
            continue
        row = {"name": name, "unit": unit, "a": a, "b": b}
        if a:
            row["a_med"], row["a_spread"] = median(a), spread(a)
        if b:
            row["b_med"], row["b_spread"] = median(b), spread(b)
        if a and b and paired and len(a) == len(b):
            ratio = paired_ratio(a, b)
            if ratio is None:   # a zero (allocs/op, say): compare the medians
                ratio = row["b_med"] / row["a_med"] if row["a_med"] else 1.0
            row["delta"] = ratio - 1
            row["p"] = wilcoxon_signed_rank(a, b)
        elif a and b:
            row["delta"] = (row["b_med"] - row["a_med"]) / row["a_med"] if row["a_med"] else 0.0
            row["p"] = mann_whitney_u(a, b)
        rows.append(row)
    return rows


def compare_sessions(sessions_a, sessions_b, unit):
    """Like compare(..., paired=True), over several lockstep sessions (each a
    pair of processes of its own, so a memory placement of its own): sessions_a[k]
    and sessions_b[k] are the samples of session k. A session's placement can
    shift all of its pairs alike, so the session, not the pair, is the unit: delta
    is the median over sessions of each session's median pair ratio, and p comes
    from the Wilcoxon signed-rank test of the sessions' log ratios against zero
    (with 5 sessions or fewer no difference can reach p < 0.05). The medians and
    spreads pool every run; a benchmark missing from a session, or whose two
    sides differ in run count there, leaves that session out."""
    pooled_a, pooled_b = {}, {}
    for sa, sb in zip(sessions_a, sessions_b):
        for pooled, samples in ((pooled_a, sa), (pooled_b, sb)):
            for name, units in samples.items():
                if unit in units:
                    pooled.setdefault(name, {}).setdefault(unit, []).extend(units[unit])
    rows = compare(pooled_a, pooled_b, unit)
    for row in rows:
        if "delta" not in row:
            continue
        logs = []
        for sa, sb in zip(sessions_a, sessions_b):
            a = sa.get(row["name"], {}).get(unit)
            b = sb.get(row["name"], {}).get(unit)
            ratio = paired_ratio(a, b) if a and b and len(a) == len(b) else None
            if ratio is not None:
                logs.append(math.log(ratio))
        if logs:
            row["delta"] = math.exp(median(logs)) - 1
            row["p"] = wilcoxon_signed_rank([0.0] * len(logs), logs)
            row["sessions"] = len(logs)
        else:   # zeros throughout (allocs/op, say): the pooled medians stand,
            row["p"] = 1.0  # tested over no session
    return rows


def geomean(values):
    vals = [v for v in values if v > 0]
    if not vals:
        return None
    return math.exp(sum(math.log(v) for v in vals) / len(vals))


def _cell(row, side):
    if row.get(side + "_med") is None:
        return "-"
    return "%s ± %.0f%%" % (fmt_value(row[side + "_med"]), 100 * row[side + "_spread"])


def _delta_cell(row):
    if "delta" not in row:
        return "", ""
    n = "n=%d+%d" % (len(row["a"]), len(row["b"]))
    if "sessions" in row:
        n += " in %d sessions" % row["sessions"]
    if row["p"] < ALPHA:
        return "%+.2f%% *" % (100 * row["delta"]), "(p=%.3f %s)" % (row["p"], n)
    return "~", "(p=%.3f %s)" % (row["p"], n)


def table_rows(rows, label_a, label_b, unit):
    """Header and body of a comparison table as lists of cells, geomean last."""
    header = [unit, label_a, label_b, "delta", ""]
    body = [[r["name"], _cell(r, "a"), _cell(r, "b")] + list(_delta_cell(r)) for r in rows]
    both = [r for r in rows if "delta" in r]
    if both:
        ga = geomean([r["a_med"] for r in both])
        gb = geomean([r["b_med"] for r in both])
        if ga and gb:
            body.append(["geomean", fmt_value(ga), fmt_value(gb), "%+.2f%%" % (100 * (gb / ga - 1)), ""])
    return header, body


def format_text(header, body):
    widths = [max(len(row[i]) for row in [header] + body) for i in range(len(header))]
    lines = []
    for row in [header] + body:
        cells = [row[0].ljust(widths[0])] + [c.rjust(w) for c, w in zip(row[1:3], widths[1:3])]
        cells += [row[3].rjust(widths[3]), row[4]]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


def format_markdown(header, body):
    def esc(c):
        return c.replace("|", "\\|")
    lines = ["| " + " | ".join(esc(c) for c in header) + " |",
             "|" + "|".join(["---"] + ["---:"] * 3 + ["---"]) + "|"]
    for row in body:
        lines.append("| " + " | ".join(esc(c) for c in row) + " |")
    return "\n".join(lines)

#!/usr/bin/env python3
"""Tests of benchstats.py: the parser benchmarks/ab reads results with, medians
and spreads, and the Mann-Whitney U test against values computed by hand and
from the closed forms of the exact distribution, and the Wilcoxon signed-rank
test of paired (--lockstep) runs."""

import math
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchstats as bs  # noqa: E402


class ParseTest(unittest.TestCase):
    def test_result_line(self):
        name, n, m = bs.parse_result_line(
            "BenchmarkMapIter/Key=int64/Elem=int64/len=64-2 \t 1000\t 12.50 ns/op\t 0 B/op\t 0.00 allocs/op\t 17.5 B/entry")
        self.assertEqual(name, "MapIter/Key=int64/Elem=int64/len=64")
        self.assertEqual(n, 1000)
        self.assertEqual(m, {"ns/op": 12.5, "B/op": 0.0, "allocs/op": 0.0, "B/entry": 17.5})

    def test_name_without_procs_suffix(self):
        self.assertEqual(bs.parse_result_line("BenchmarkNewEmptyMap 5 1.0 ns/op")[0], "NewEmptyMap")

    def test_malformed_lines(self):
        for line in ("BenchmarkX 10 abc ns/op", "BenchmarkX 10 1.0", "BenchmarkX 0 1.0 ns/op",
                     "BenchmarkX 10 1.0 B/op", "BenchmarkX 10 1 ns/op 2 ns/op", "BenchmarkX"):
            with self.assertRaises(bs.FormatError, msg=line):
                bs.parse_result_line(line)

    def test_output(self):
        text = ("goos: linux\nrtmap-impl: swiss\nBenchmarkA/len=6 10 2 ns/op\n"
                "--- FAIL: BenchmarkB\n    why\nBenchmarkA/len=6 10 4 ns/op\nPASS\n")
        config, results, failures = bs.parse_output(text)
        self.assertEqual(config["rtmap-impl"], "swiss")
        self.assertEqual(failures, ["--- FAIL: BenchmarkB"])
        self.assertEqual(bs.collect(results), {"A/len=6": {"ns/op": [2.0, 4.0]}})


class StatsTest(unittest.TestCase):
    def test_median_and_spread(self):
        self.assertEqual(bs.median([3, 1, 2]), 2)
        self.assertEqual(bs.median([4, 1, 3, 2]), 2.5)
        self.assertAlmostEqual(bs.spread([9, 10, 12]), 0.2)

    def test_u_distribution_is_a_distribution(self):
        for m in range(1, 7):
            for n in range(1, 7):
                counts = bs._u_counts(m, n)
                self.assertEqual(sum(counts), math.comb(m + n, m))
                self.assertEqual(list(counts), list(reversed(counts)))   # symmetric

    def test_exact_separated_samples(self):
        # all of one sample below the other: p = 2 / C(m+n, m)
        self.assertAlmostEqual(bs.mann_whitney_u([1, 2, 3], [4, 5, 6]), 2 / 20)
        self.assertAlmostEqual(bs.mann_whitney_u([5, 6, 7, 8], [1, 2, 3, 4]), 2 / 70)
        self.assertAlmostEqual(bs.mann_whitney_u(range(5), range(10, 15)), 2 / 252)

    def test_exact_by_hand(self):
        # x = {1, 4}, y = {2, 3}: U = 2 (4 beats both); P(U <= 2) = 4/6, P(U >= 2) = 4/6
        self.assertAlmostEqual(bs.mann_whitney_u([1, 4], [2, 3]), 1.0)
        # x = {1, 2, 4}, y = {3, 5, 6}: U = 1; counts of U for m = n = 3: 1 1 2 3 3 3 3 2 1 1
        self.assertAlmostEqual(bs.mann_whitney_u([1, 2, 4], [3, 5, 6]), 2 * 2 / 20)

    def test_three_runs_can_never_be_significant(self):
        self.assertGreater(bs.mann_whitney_u([1, 2, 3], [7, 8, 9]), bs.ALPHA)
        self.assertLess(bs.mann_whitney_u([1, 2, 3, 4], [7, 8, 9, 10]), bs.ALPHA)

    def test_ties_use_the_normal_approximation(self):
        self.assertEqual(bs.mann_whitney_u([1, 1, 1], [1, 1, 1]), 1.0)
        p = bs.mann_whitney_u([1, 2, 2, 3] * 5, [3, 4, 4, 5] * 5)
        self.assertLess(p, 0.001)

    def test_compare_and_tables(self):
        a = {"X/len=6": {"ns/op": [10.0, 11.0, 10.5, 10.2]}, "OnlyA": {"ns/op": [1.0]}}
        b = {"X/len=6": {"ns/op": [5.0, 5.1, 5.2, 4.9]}}
        rows = bs.compare(a, b, "ns/op")
        self.assertEqual([r["name"] for r in rows], ["X/len=6", "OnlyA"])
        self.assertAlmostEqual(rows[0]["delta"], (5.05 - 10.35) / 10.35)
        self.assertLess(rows[0]["p"], bs.ALPHA)
        header, body = bs.table_rows(rows, "noswiss", "swiss", "ns/op")
        text = bs.format_text(header, body)
        self.assertIn("-51.21% *", text)
        self.assertIn("geomean", text)
        self.assertTrue(bs.format_markdown(header, body).startswith("| ns/op |"))


class SignedRankTest(unittest.TestCase):
    def test_one_sign_throughout(self):
        # every pair moves the same way: only 2 of the 2^n sign assignments are as extreme
        for n in range(1, 12):
            xs = [10.0 + i for i in range(n)]
            ys = [x + 0.5 + i for i, x in enumerate(xs)]
            self.assertAlmostEqual(bs.wilcoxon_signed_rank(xs, ys), min(1.0, 2 / 2 ** n))
            self.assertAlmostEqual(bs.wilcoxon_signed_rank(ys, xs), min(1.0, 2 / 2 ** n))

    def test_five_pairs_can_never_be_significant(self):
        self.assertGreater(bs.wilcoxon_signed_rank([1, 2, 3, 4, 5], [2, 4, 6, 8, 10]), bs.ALPHA)
        self.assertLess(bs.wilcoxon_signed_rank([1, 2, 3, 4, 5, 6], [2, 4, 6, 8, 10, 12]), bs.ALPHA)

    def test_by_hand(self):
        # differences 1, -2, 3: W+ = 1 + 3 = 4; subset sums of {1,2,3} are
        # 0 1 2 3 3 4 5 6, so P(W+ >= 4) = 3/8 and p = 6/8
        self.assertAlmostEqual(bs.wilcoxon_signed_rank([1, 2, 3], [0, 4, 0]), 0.75)
        # tied differences 1, 1, -1 share rank 2: W+ = 4 of a total 6; the sums
        # 0 2 2 2 4 4 4 6 give P(W+ >= 4) = 4/8, so p = 1
        self.assertAlmostEqual(bs.wilcoxon_signed_rank([1, 1, 1], [0, 0, 2]), 1.0)
        # a mean rank that is not whole: differences 1, 1, 3 (ranks 1.5 1.5 3), all
        # positive: p = 2/8; with the 3 negative, W+ = 3 = half the total: p = 1
        self.assertAlmostEqual(bs.wilcoxon_signed_rank([1, 1, 3], [0, 0, 0]), 0.25)
        self.assertAlmostEqual(bs.wilcoxon_signed_rank([1, 1, 0], [0, 0, 3]), 1.0)

    def test_zero_differences_are_dropped(self):
        self.assertEqual(bs.wilcoxon_signed_rank([5, 5], [5, 5]), 1.0)
        self.assertAlmostEqual(bs.wilcoxon_signed_rank([5, 1, 2, 3, 4, 5], [5, 2, 3, 4, 5, 6]), 2 / 32)
        with self.assertRaises(ValueError):
            bs.wilcoxon_signed_rank([1, 2], [1])

    def test_pairing_sees_what_pooling_cannot(self):
        # the machine's speed drifts 4x; B is 5% faster than its neighbour every time
        a = [10.0, 40.0, 12.0, 35.0, 20.0, 15.0, 30.0, 25.0]
        b = [x * 0.95 for x in a]
        self.assertGreater(bs.mann_whitney_u(a, b), 0.5)
        self.assertLess(bs.wilcoxon_signed_rank(a, b), 0.01)
        row = bs.compare({"X": {"ns/op": a}}, {"X": {"ns/op": b}}, "ns/op", paired=True)[0]
        self.assertAlmostEqual(row["delta"], -0.05)
        self.assertLess(row["p"], bs.ALPHA)

    def test_paired_zeros_fall_back_to_medians(self):
        row = bs.compare({"X": {"allocs/op": [0.0] * 6}}, {"X": {"allocs/op": [0.0] * 6}},
                         "allocs/op", paired=True)[0]
        self.assertEqual((row["delta"], row["p"]), (0.0, 1.0))


class SessionTest(unittest.TestCase):
    """Several lockstep sessions: each pair of processes has its own memory
    placement, so the session is the unit of the test."""

    DRIFT = [10.0, 40.0, 12.0, 35.0, 20.0, 15.0, 30.0, 25.0]

    def sessions(self, factors):
        a = [{"X": {"ns/op": list(self.DRIFT)}} for _ in factors]
        b = [{"X": {"ns/op": [x * f for x in self.DRIFT]}} for f in factors]
        return a, b

    def test_six_agreeing_sessions_are_significant(self):
        a, b = self.sessions([0.95] * 6)
        row = bs.compare_sessions(a, b, "ns/op")[0]
        self.assertAlmostEqual(row["delta"], -0.05)
        self.assertAlmostEqual(row["p"], 2 / 64)   # one sign in all 6: 2 of 2^6 assignments
        self.assertEqual((row["sessions"], len(row["a"])), (6, 48))
        header, body = bs.table_rows([row], "noswiss", "swiss", "ns/op")
        self.assertIn("-5.00% *", bs.format_text(header, body))
        self.assertIn("n=48+48 in 6 sessions", bs.format_text(header, body))

    def test_five_sessions_can_never_be_significant(self):
        a, b = self.sessions([0.5] * 5)
        self.assertGreater(bs.compare_sessions(a, b, "ns/op")[0]["p"], bs.ALPHA)

    def test_sessions_that_disagree_are_not_significant_though_their_pairs_are(self):
        # every pair agrees within its session, but two placements go the other way
        factors = [0.95, 0.95, 1.05, 0.95, 1.05, 0.95]
        a, b = self.sessions(factors)
        pooled_a = [x for s in a for x in s["X"]["ns/op"]]
        pooled_b = [x for s in b for x in s["X"]["ns/op"]]
        self.assertLess(bs.wilcoxon_signed_rank(pooled_a, pooled_b), bs.ALPHA)
        row = bs.compare_sessions(a, b, "ns/op")[0]
        # |log 1.05| < |log 0.95|: the two slower sessions share ranks 1-2 (1.5 each),
        # the four faster ones ranks 3-6 (4.5 each). The other side's sum, 3, or
        # less: 4 of the 2^6 sign assignments ({}, either 1.5, both), so p = 2 * 4/64
        self.assertAlmostEqual(row["p"], 2 * 4 / 64)
        self.assertAlmostEqual(row["delta"], -0.05)

    def test_a_session_without_both_sides_is_left_out(self):
        a, b = self.sessions([0.9] * 7)
        del b[0]["X"]                          # this build missed X in session 0
        b[1]["X"]["ns/op"].pop()               # and one run in session 1
        row = bs.compare_sessions(a, b, "ns/op")[0]
        self.assertEqual(row["sessions"], 5)
        self.assertAlmostEqual(row["delta"], -0.1)

    def test_zeros_keep_the_pooled_medians(self):
        a = [{"X": {"allocs/op": [0.0] * 4}}] * 6
        row = bs.compare_sessions(a, a, "allocs/op")[0]
        self.assertEqual((row["delta"], row["p"]), (0.0, 1.0))
        # no session was tested, so the table must not claim "in 0 sessions"
        self.assertEqual(bs.table_rows([row], "A", "B", "allocs/op")[1][0][4],
                         "(p=1.000 n=24+24)")


if __name__ == "__main__":
    unittest.main()

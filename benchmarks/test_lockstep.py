#!/usr/bin/env python3
"""Tests of benchmarks/ab --lockstep: two rtmap_bench processes taking turns
through a ring of pipes (ab.run_lockstep). Each must report --count runs of
every benchmark, a process must print nothing while it does not hold the
turn, and a partner that dies must not leave the other waiting.

usage: test_lockstep.py RTMAP_BENCH"""

import os
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ab  # noqa: E402
import benchstats  # noqa: E402

EXE = None
ARGS = ["--filter=^MapAccessHit/Key=int64/Elem=int64/len|^MapDelete/Key=string",
        "--sizes=64,1024", "--benchtime=2ms"]
COUNT = 4


def runs(text):
    _, results, failures = benchstats.parse_output(text)
    return benchstats.collect(results), failures


class LockstepTest(unittest.TestCase):
    def lockstep(self, exes):
        with tempfile.TemporaryDirectory() as out:
            t0 = time.monotonic()
            done, _ = ab.run_lockstep(exes, ARGS, COUNT, [], None, out)
            self.assertLess(time.monotonic() - t0, 60)
            self.assertEqual(os.listdir(out), [])     # the capture files are removed
        return done

    def test_each_reports_count_runs(self):
        done = self.lockstep({"a": EXE, "b": EXE})
        for name, (code, text, err) in done.items():
            self.assertEqual(code, 0, err)
            samples, failures = runs(text)
            self.assertEqual(failures, [])
            self.assertEqual(len(samples), 4, text)
            for bench, units in samples.items():
                self.assertEqual(len(units["ns/op"]), COUNT, bench)

    def test_partner_that_dies_does_not_block(self):
        done = self.lockstep({"a": "/bin/false", "b": EXE})
        self.assertNotEqual(done["a"][0], 0)
        code, text, err = done["b"]
        self.assertEqual(code, 0, err)
        samples, _ = runs(text)
        self.assertEqual(len(samples), 4)

    def test_runs_only_while_holding_the_turn(self):
        # This test is the partner: it holds the turn, waits, and counts the
        # result lines each time the turn comes back. rtmap_bench flushes a
        # result before passing the turn on and cannot print without it, so the
        # counts are exact: nothing after the setup turn (--count does not report
        # the calibrating run), then one more line per turn.
        with tempfile.TemporaryFile("w+") as f:
            to_bench, from_test = os.pipe()
            to_test, from_bench = os.pipe()
            p = subprocess.Popen([EXE, "--turns=%d,%d" % (to_bench, from_bench),
                                  "--count=%d" % COUNT] + ARGS,
                                 stdout=f, pass_fds=(to_bench, from_bench))
            os.close(to_bench)
            os.close(from_bench)
            seen = []
            while True:
                time.sleep(0.002)        # time enough to misbehave, if it would
                try:
                    os.write(from_test, b"t")
                except BrokenPipeError:
                    break
                if os.read(to_test, 1) != b"t":
                    break
                f.seek(0)
                seen.append(sum(l.startswith("Benchmark") for l in f))
            os.close(from_test)
            os.close(to_test)
            self.assertEqual(p.wait(), 0)
        expect = [b * COUNT + k for b in range(4) for k in range(COUNT + 1)]
        self.assertEqual(seen, expect)


if __name__ == "__main__":
    EXE = os.path.abspath(sys.argv.pop(1))
    unittest.main()

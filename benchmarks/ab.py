"""benchmarks/ab: A/B benchmark of rtmap's two builds. Run it as benchmarks/ab.

Builds rtmap_bench with -Dswissmap=false (noswiss) and -Dswissmap=true (swiss)
in separate release build directories, runs them alternately (noswiss, swiss,
noswiss, swiss, ...) pinned to one CPU, and prints for every benchmark the
median and spread of each build, the difference and whether a two-sided
Mann-Whitney U test finds it significant (p < 0.05). Writes the raw results
(Go benchmark format, readable by benchstat), the tables and a plot per
workload family under benchmarks/results/<timestamp>-<mode>/.

If one build does not configure or compile, says which and why, and runs the
other alone. Python 3 standard library only.
"""

import argparse
import datetime
import os
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import benchstats  # noqa: E402
import plots  # noqa: E402

BUILDS = (("noswiss", "false"), ("swiss", "true"))    # A, B: delta is swiss vs noswiss
DEBIAN_PACKAGES = (("meson", "meson"), ("ninja", "ninja-build"), ("cc", "gcc"),
                   ("pkg-config", "pkg-config"), ("gnuplot", "gnuplot-nox"))
TERMINAL_UNITS = ("ns/op", "B/entry", "max-ns", "p99.99-ns")
FILE_UNITS = TERMINAL_UNITS + ("B/op", "allocs/op")


def say(msg):
    print(msg, file=sys.stderr, flush=True)


def parse_args():
    p = argparse.ArgumentParser(prog="benchmarks/ab", description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--full", action="store_true",
                   help="every size of Go's benchmarks (6 .. 1<<22), latency to 1<<22, 5 rounds, "
                        "benchtime 200ms (default: quick mode, sizes 6,64,1024,131072, 4 rounds, "
                        "benchtime 50ms)")
    p.add_argument("--rounds", type=int, help="runs of each build (default 4 quick, 5 full, 10 lockstep; "
                   "with 3 or fewer, or 5 or fewer in lockstep, no difference can reach p < 0.05)")
    p.add_argument("--benchtime", help="passed to rtmap_bench: 50ms, 1s, 100x, ...")
    p.add_argument("--filter", help="passed to rtmap_bench: regular expression on benchmark names")
    p.add_argument("--sizes", help="passed to rtmap_bench: map sizes for every sized family, "
                   "e.g. 1024,65536,1048576,8388608 (the grid of issue 4)")
    p.add_argument("-D", dest="meson_opts", action="append", default=[], metavar="OPTION=VALUE",
                   help="another Meson option for both builds, e.g. -Dhash=fast (repeatable; the "
                        "builds then go to build-ab/<options>/)")
    p.add_argument("--jobs", type=int, default=2, help="compile jobs (default 2)")
    p.add_argument("--build-root", default=os.path.join(ROOT, "build-ab"),
                   help="where the two build directories go (default build-ab/)")
    p.add_argument("--out", help="results directory (default benchmarks/results/<timestamp>-<mode>)")
    p.add_argument("--no-install", action="store_true", help="do not apt-get install missing tools")
    p.add_argument("--no-pin", action="store_true", help="do not pin the benchmark to one CPU")
    p.add_argument("--lockstep", action="store_true",
                   help="run the two builds at once, taking turns on one CPU: after setup, each "
                        "benchmark runs --rounds times (default 10) in each build, every run "
                        "between two runs of the other build, and the runs are compared in pairs "
                        "(Wilcoxon signed-rank); for a machine whose speed drifts")
    p.add_argument("--sessions", type=int, default=1,
                   help="with --lockstep: run it this many times, each with new processes (so a "
                        "new memory placement of maps and keys, which can shift a whole session "
                        "by a few percent), and test across sessions (Wilcoxon signed-rank over "
                        "each session's median pair ratio; 6 or more sessions to reach p < 0.05)")
    args = p.parse_args()
    if args.sessions < 1 or (args.sessions > 1 and not args.lockstep):
        p.error("--sessions takes a count of 1 or more, and more than 1 only with --lockstep")
    return args


# ---- tools --------------------------------------------------------------------------

def cmocka_present():
    return any(os.path.exists(os.path.join(d, "cmocka.h")) for d in ("/usr/include", "/usr/local/include"))


def install_missing(allowed):
    missing = [pkg for cmd, pkg in DEBIAN_PACKAGES if shutil.which(cmd) is None]
    if not cmocka_present():
        missing.append("libcmocka-dev")    # for tests/run_all.sh; ab itself builds no tests
    if not missing:
        return
    if not allowed or shutil.which("apt-get") is None:
        say("ab: missing %s (not installing%s)" % (" ".join(missing),
            "" if allowed else ": --no-install"))
        return
    prefix = []
    if os.geteuid() != 0:
        if shutil.which("sudo") is None or subprocess.call(["sudo", "-n", "true"],
                                                           stderr=subprocess.DEVNULL) != 0:
            say("ab: missing %s; run as root (or with sudo) to install them" % " ".join(missing))
            return
        prefix = ["sudo", "-n"]
    say("ab: installing %s" % " ".join(missing))
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.call(prefix + ["apt-get", "update", "-qq"], env=env)
    if subprocess.call(prefix + ["apt-get", "install", "-y", "-qq"] + missing, env=env,
                       stdout=subprocess.DEVNULL) != 0:
        say("ab: apt-get install failed; continuing with what is there")


# ---- building --------------------------------------------------------------------------

def build(name, swissmap, build_root, jobs, log_path, target="rtmap_bench", extra_opts=()):
    """Configures and compiles a program of benchmarks/ (rtmap_bench) for one
    build. Returns (path or None, what failed)."""
    bdir = os.path.join(build_root, name)
    opts = ["-Dswissmap=" + swissmap, "--buildtype=release", "-Dtests=false",
            "-Dexamples=false", "-Dbenchmarks=true"] + list(extra_opts)
    with open(log_path, "w") as log:
        def step(cmd):
            log.write("$ " + " ".join(cmd) + "\n")
            log.flush()
            return subprocess.call(cmd, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT) == 0

        if os.path.exists(os.path.join(bdir, "build.ninja")):
            ok = step(["meson", "setup", "--reconfigure", bdir] + opts)
            if not ok:
                ok = step(["meson", "setup", "--wipe", bdir] + opts)
        else:
            if os.path.exists(bdir):
                shutil.rmtree(bdir)
            ok = step(["meson", "setup", bdir] + opts)
        if not ok:
            return None, "configure"
        if not step(["meson", "compile", "-C", bdir, "-j", str(jobs), target]):
            return None, "compile"
    return os.path.join(bdir, "benchmarks", target), None


def log_tail(path, lines=12):
    try:
        with open(path) as f:
            text = f.read().splitlines()
    except OSError:
        return ""
    interesting = [l for l in text if "error" in l.lower() or "undefined reference" in l]
    return "\n".join((interesting or text)[-lines:])


# ---- running -----------------------------------------------------------------------------

def pin_command():
    """taskset prefix (or an affinity function) pinning every run to the same CPU:
    the last one this process may use, which the system tends to leave quieter."""
    try:
        cpu = max(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return [], None
    if shutil.which("taskset"):
        return ["taskset", "-c", str(cpu)], None
    return [], lambda: os.sched_setaffinity(0, {cpu})


def run_lockstep(exes, args, count, pin, preexec, raw_dir):
    """Runs the builds at once with --count and --turns, passing the turn round a
    ring of pipes: only one runs at a time, and their runs of each benchmark
    alternate. {name: (exit code, stdout, stderr)} and the time taken."""
    t0 = time.monotonic()
    names = list(exes)
    ring = [os.pipe() for _ in names]     # process i reads ring[i], writes ring[i + 1]
    procs, outs = {}, {}
    for i, name in enumerate(names):
        rd, wr = ring[i][0], ring[(i + 1) % len(names)][1]
        turn = ["--count=%d" % count]
        if len(names) > 1:
            turn.append("--turns=%d,%d" % (rd, wr))
        outs[name] = (open(os.path.join(raw_dir, ".%s.out" % name), "w+"),
                      open(os.path.join(raw_dir, ".%s.err" % name), "w+"))
        procs[name] = subprocess.Popen(pin + [exes[name]] + args + turn, stdout=outs[name][0],
                                       stderr=outs[name][1], pass_fds=(rd, wr),
                                       preexec_fn=preexec, universal_newlines=True)
    os.write(ring[0][1], b"t")   # the first process starts
    for rd, wr in ring:
        os.close(rd)
        os.close(wr)
    result = {}
    for name, proc in procs.items():
        code = proc.wait()
        texts = []
        for f in outs[name]:
            f.seek(0)
            texts.append(f.read())
            f.close()
            os.unlink(f.name)
        result[name] = (code, texts[0], texts[1])
    return result, time.monotonic() - t0


def run_bench(exe, args, pin, preexec):
    t0 = time.monotonic()
    p = subprocess.run(pin + [exe] + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       universal_newlines=True, preexec_fn=preexec)
    return p.returncode, p.stdout, p.stderr, time.monotonic() - t0


# ---- reporting ----------------------------------------------------------------------------

def machine_description():
    cpu = ""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    rev = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"], stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL, universal_newlines=True).stdout.strip()
    u = os.uname()
    return "%s; %d CPUs; %s %s; rtmap %s" % (cpu or u.machine, os.cpu_count() or 0,
                                            u.sysname, u.release, rev or "?")


def tables(samples, built, units, paired=False, sessions=None):
    """sessions: per lockstep session, {build: samples}; the test is then across
    sessions."""
    a, b = BUILDS[0][0], BUILDS[1][0]
    out = []
    for unit in units:
        if sessions:
            rows = benchstats.compare_sessions([s.get(a, {}) for s in sessions],
                                               [s.get(b, {}) for s in sessions], unit)
        else:
            rows = benchstats.compare(samples.get(a, {}), samples.get(b, {}), unit, paired)
        if not rows:
            continue
        header, body = benchstats.table_rows(rows, a if a in built else a + " (not built)",
                                             b if b in built else b + " (not built)", unit)
        out.append((unit, header, body))
    return out


def main():
    args = parse_args()
    started = time.monotonic()
    mode = "full" if args.full else "quick"
    rounds = args.rounds or (10 if args.lockstep else 5 if args.full else 4)
    stamp = datetime.datetime.utcnow().strftime("%Y%m%d-%H%M%S")
    out = args.out or os.path.join(HERE, "results", "%s-%s" % (stamp, mode))
    os.makedirs(out, exist_ok=True)

    install_missing(not args.no_install)
    for tool in ("meson", "ninja"):
        if shutil.which(tool) is None:
            say("ab: %s is missing; cannot build" % tool)
            return 1

    exes, failed = {}, {}
    # The commit the binaries are built from: the tree may move on while they run.
    built_from = machine_description()
    for name, swissmap in BUILDS:
        t0 = time.monotonic()
        log = os.path.join(out, "build-%s.log" % name)
        root = args.build_root
        if args.meson_opts:
            root = os.path.join(root, "_".join(o.replace("=", "-") for o in args.meson_opts))
        exe, what = build(name, swissmap, root, args.jobs, log,
                          extra_opts=["-D" + o for o in args.meson_opts])
        if exe:
            exes[name] = exe
            say("ab: built %s (-Dswissmap=%s) in %.0fs" % (name, swissmap, time.monotonic() - t0))
        else:
            failed[name] = what
            say("ab: BUILD FAILED: %s (-Dswissmap=%s) did not %s; log: %s\n%s"
                % (name, swissmap, what, os.path.relpath(log, ROOT), log_tail(log)))
    if not exes:
        say("ab: no build to run")
        return 1
    if failed:
        say("ab: running %s alone" % ", ".join(exes))

    bench_args = [] if args.full else ["--quick"]
    if args.benchtime:
        bench_args.append("--benchtime=" + args.benchtime)
    if args.filter:
        bench_args.append("--filter=" + args.filter)
    if args.sizes:
        bench_args.append("--sizes=" + args.sizes)
    pin, preexec = ([], None) if args.no_pin else pin_command()
    raw = {name: open(os.path.join(out, name + ".txt"), "w") for name in exes}
    results = {name: [] for name in exes}
    session_results = []      # per lockstep session: {name: results}
    run_failures = {}
    def take(name, code, text, err):
        raw[name].write(text)
        raw[name].flush()
        try:
            _, res, fails = benchstats.parse_output(text)
        except benchstats.FormatError as e:
            res, fails = [], [str(e)]
        results[name].extend(res)
        if code != 0 or fails:
            run_failures.setdefault(name, []).extend(fails or ["exit status %d: %s" % (code, err.strip()[-300:])])
        return res

    for session in range(args.sessions if args.lockstep else 0):
        done, secs = run_lockstep(exes, bench_args, rounds, pin, preexec, out)
        session_results.append({})
        for name, (code, text, err) in done.items():
            res = take(name, code, text, err)
            session_results[-1][name] = res
            say("ab: lockstep%s %-8s %3d runs in %5.1fs%s"
                % ("" if args.sessions == 1 else " session %d/%d" % (session + 1, args.sessions),
                   name, len(res), secs, "" if code == 0 else "  (FAILED: exit %d)" % code))
    for r in range(0 if args.lockstep else rounds):
        for name, _ in BUILDS:
            if name not in exes:
                continue
            code, text, err, secs = run_bench(exes[name], bench_args, pin, preexec)
            res = take(name, code, text, err)
            say("ab: round %d/%d %-8s %3d benchmarks in %5.1fs%s"
                % (r + 1, rounds, name, len(res), secs, "" if code == 0 else "  (FAILED: exit %d)" % code))
    for f in raw.values():
        f.close()

    samples = {name: benchstats.collect(res) for name, res in results.items()}
    machine = built_from
    pinned = ("pinned to CPU %s" % pin[-1]) if pin else ("pinned" if preexec else "not pinned")
    if args.lockstep and args.sessions > 1:
        title = ("rtmap A/B, %s mode%s, lockstep in %d sessions (new processes each): %d runs per "
                 "build and session, each between two runs of the other, %s; delta = median over "
                 "sessions of the session's median pair ratio swiss / noswiss; * = significant "
                 "(two-sided Wilcoxon signed-rank over the sessions, p < 0.05), ~ = not"
                 % (mode, "".join(" -D" + o for o in args.meson_opts), args.sessions, rounds, pinned))
    elif args.lockstep:
        title = ("rtmap A/B, %s mode%s, lockstep: %d runs per build, each between two runs of the "
                 "other, %s; delta = median over neighbouring pairs of swiss / noswiss; "
                 "* = significant (two-sided Wilcoxon signed-rank over the pairs, p < 0.05), ~ = not"
                 % (mode, "".join(" -D" + o for o in args.meson_opts), rounds, pinned))
    else:
        title = ("rtmap A/B, %s mode%s: %d rounds per build, alternating, %s; delta = swiss vs noswiss; "
                 "* = significant (two-sided Mann-Whitney U, p < 0.05), ~ = not"
                 % (mode, "".join(" -D" + o for o in args.meson_opts), rounds, pinned))
    text_parts, md_parts = [title, "machine: " + machine], ["# " + title, "", "machine: " + machine]
    for name, what in failed.items():
        note = "%s: BUILD FAILED (%s), see build-%s.log" % (name, what, name)
        text_parts.append(note)
        md_parts += ["", "**" + note + "**"]
    for name, fails in run_failures.items():
        note = "%s: benchmark failures: %s" % (name, "; ".join(sorted(set(fails)))[:2000])
        text_parts.append(note)
        md_parts += ["", "**" + note + "**"]

    terminal = [title, "machine: " + machine] + text_parts[2:]
    sessions = None
    if args.lockstep and args.sessions > 1:
        sessions = [{name: benchstats.collect(res) for name, res in s.items()} for s in session_results]
    for unit, header, body in tables(samples, exes, FILE_UNITS, args.lockstep, sessions):
        text = benchstats.format_text(header, body)
        text_parts += ["", text]
        md_parts += ["", benchstats.format_markdown(header, body)]
        if unit in TERMINAL_UNITS:
            terminal += ["", text]
    with open(os.path.join(out, "table.txt"), "w") as f:
        f.write("\n".join(text_parts) + "\n")
    with open(os.path.join(out, "table.md"), "w") as f:
        f.write("\n".join(md_parts) + "\n")
    print("\n".join(terminal), flush=True)

    plot_msg = plots.make_plots(out, samples, [b for b, _ in BUILDS if b in exes],
                                mode + (", lockstep" if args.lockstep else ""))
    say("ab: " + plot_msg)
    say("ab: results in %s (raw Go benchmark format: %s; tables: table.txt, table.md)"
        % (os.path.relpath(out, ROOT), ", ".join(n + ".txt" for n in exes)))
    say("ab: %s mode took %.0fs in all" % (mode, time.monotonic() - started))
    return 1 if failed or run_failures else 0


if __name__ == "__main__":
    sys.exit(main())

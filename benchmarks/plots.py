"""Plots for benchmarks/ab: one PNG per workload family, ns/op (median over the
rounds) against map size on a log axis, one panel per key type, one line per
build. Drawn by gnuplot (Debian's gnuplot-nox); skipped with a message when it
is not installed."""

import os
import shutil
import subprocess

import benchstats


def _split(name):
    """("MapAccessHit", "Key=int64/Elem=int64", 1024), or None for unsized names."""
    parts = name.split("/")
    if len(parts) < 2 or not parts[-1].startswith("len="):
        return None
    try:
        size = int(parts[-1][4:])
    except ValueError:
        return None
    return parts[0], "/".join(parts[1:-1]), size


def families(samples, builds):
    """{family: {config: {size: {build: median ns/op}}}} for families with more
    than one size (a single point makes no line)."""
    fams = {}
    for build in builds:
        for name, units in samples.get(build, {}).items():
            key = _split(name)
            if key is None or "ns/op" not in units:
                continue
            fam, config, size = key
            fams.setdefault(fam, {}).setdefault(config, {}).setdefault(size, {})[build] = \
                benchstats.median(units["ns/op"])
    return {f: c for f, c in fams.items() if any(len(s) > 1 for s in c.values())}


def _terminal(gnuplot):
    probe = subprocess.run([gnuplot, "-e", "set terminal pngcairo"], stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
    return "pngcairo size 1280,900 font ',10'" if probe.returncode == 0 else "png size 1280,900"


def make_plots(out, samples, builds, mode):
    fams = families(samples, builds)
    if not fams:
        return "no plots: no workload ran at more than one size"
    gnuplot = shutil.which("gnuplot")
    pdir = os.path.join(out, "plots")
    os.makedirs(pdir, exist_ok=True)
    terminal = _terminal(gnuplot) if gnuplot else None
    made = []
    for fam, configs in fams.items():
        dat = os.path.join(pdir, fam + ".dat")
        script = os.path.join(pdir, fam + ".gp")
        names = sorted(configs)
        with open(dat, "w") as f:
            for i, config in enumerate(names):
                f.write("# %s\n# len %s\n" % (config, " ".join(builds)))
                for size in sorted(configs[config]):
                    row = configs[config][size]
                    f.write("%d %s\n" % (size, " ".join("%.6g" % row[b] if b in row else "NaN"
                                                        for b in builds)))
                f.write("\n\n")
        values = [v for c in configs.values() for row in c.values() for v in row.values() if v > 0]
        # a family spanning orders of magnitude (MapClear, MapPopulate) is
        # unreadable on a linear axis
        log_y = bool(values) and max(values) / min(values) > 20
        cols = 2 if len(names) > 1 else 1
        rows = (len(names) + cols - 1) // cols
        lines = [
            "set terminal %s" % (terminal or "png"),
            "set output '%s'" % (fam + ".png"),
            "set multiplot layout %d,%d title '%s: ns/op, median of the runs (%s mode), lower is better'"
            % (rows, cols, fam, mode),
            "set logscale x 2",
            "set format x '2^{%L}'",
            "set xlabel 'map size (len)'",
            "set ylabel 'ns/op%s'" % (" (log scale)" if log_y else ""),
            "set logscale y 10" if log_y else "set yrange [0:*]",
            "set key top left",
            "set grid",
        ]
        for i, config in enumerate(names):
            lines.append("set title '%s'" % config)
            plot = ["'%s' index %d using 1:%d with linespoints lw 2 title '%s'"
                    % (fam + ".dat", i, j + 2, b) for j, b in enumerate(builds)]
            lines.append("plot " + ", ".join(plot))
        lines.append("unset multiplot")
        with open(script, "w") as f:
            f.write("\n".join(lines) + "\n")
        if gnuplot:
            p = subprocess.run([gnuplot, os.path.basename(script)], cwd=pdir,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               universal_newlines=True)
            if p.returncode == 0:
                made.append(fam + ".png")
            else:
                return "gnuplot failed on %s: %s" % (script, p.stdout.strip()[-500:])
    if not gnuplot:
        return ("plots skipped: gnuplot is not installed (apt-get install gnuplot-nox); "
                "data and scripts are in %s" % pdir)
    return "%d plots in %s" % (len(made), pdir)

#!/usr/bin/python3
"""Turns the RESULT lines of bench/compare.sh (or of any peer program) into a markdown table.

    bench/compare_table.py [FILE ...]      (no FILE or "-": standard input)

Lines `RESULT lib=L workload=W threads=T key=value ... config=C` are grouped by (W, T, L); each
cell is the median (min–max) of a metric over the runs. Columns "fathom vs L" give fathom's ratio
to each peer, oriented so that > 1 means fathom is better: peer/fathom for times, latencies and
memory, fathom/peer for throughputs; accuracy is a difference in percentage points instead.
A library whose lines say max_threads=1 (FANN) is single-threaded: its threads=1 numbers also
fill the rows of the other thread counts, marked ¹. Lines starting with "#" (compare.sh's machine
line) are printed under the table; anything else is ignored. Standard library only.
"""
import collections
import statistics
import sys

WORKLOAD_ORDER = ["sgemm_peak", "epoch128", "epoch32", "online_sgd", "inference", "xor", "digits", "wide"]
LIB_ORDER = ["fathom", "pytorch", "sklearn", "fann"]
METRICS = {
    "sgemm_peak": ["gflops"],
    "epoch128": ["seconds_per_epoch", "test_accuracy", "peak_rss_mb"],
    "epoch32": ["seconds_per_epoch"],
    "online_sgd": ["samples_per_s"],
    "inference": ["p50_us", "p99_us", "samples_per_s"],
    "xor": ["us_per_update"],
    "digits": ["us_per_update"],
    "wide": ["seconds_per_epoch", "gflops", "pct_sgemm_peak"],
}
HIGHER_IS_BETTER = {"samples_per_s", "gflops", "pct_sgemm_peak"}
ACCURACY = {"test_accuracy"}
PERCENT = {"test_accuracy", "pct_sgemm_peak"}  # shown as percentages


def parse(stream, results, notes):
    for raw in stream:
        line = raw.strip()
        if line.startswith("#"):
            notes.append(line.lstrip("#").strip())
            continue
        if not line.startswith("RESULT "):
            continue
        fields = {}
        for token in line.split()[1:]:
            key, sep, value = token.partition("=")
            if sep:
                fields[key] = value
        if "lib" not in fields or "workload" not in fields:
            continue
        try:
            fields["threads"] = int(fields.get("threads", "1"))
        except ValueError:
            continue
        results.append(fields)


def number(fields, key):
    try:
        return float(fields[key])
    except (KeyError, ValueError):
        return None


def fmt(v):
    a = abs(v)
    if a >= 100:
        return f"{v:,.0f}"
    if a >= 10:
        return f"{v:.1f}"
    if a >= 1:
        return f"{v:.2f}"
    if a == 0:
        return "0"
    return f"{v:.3g}"


def cell(values, metric, usual_n, mark=""):
    if not values:
        return "n/a" + mark
    med, lo, hi = statistics.median(values), min(values), max(values)
    unit = "%" if metric in PERCENT else ""
    if len(values) == 1 or lo == hi:
        text = f"{fmt(med)}{unit}"
    else:
        text = f"{fmt(med)}{unit} ({fmt(lo)}–{fmt(hi)})"
    if len(values) != usual_n:
        text += f" [n={len(values)}]"
    return text + mark


def ratio(metric, fathom, peer):
    if fathom is None or peer is None:
        return "n/a"
    if metric in ACCURACY:
        return f"{fathom - peer:+.1f} pts"
    if metric in HIGHER_IS_BETTER:
        num, den = fathom, peer
    else:
        num, den = peer, fathom
    if den == 0:
        return "n/a"
    r = num / den
    return f"{r:.0f}×" if r >= 100 else f"{r:.1f}×" if r >= 10 else f"{r:.2f}×"


def main(argv):
    results, notes = [], []
    paths = argv[1:] or ["-"]
    for path in paths:
        if path == "-":
            parse(sys.stdin, results, notes)
        else:
            with open(path, encoding="utf-8") as f:
                parse(f, results, notes)
    if not results:
        print("compare_table.py: no RESULT lines", file=sys.stderr)
        return 1

    libs = sorted({r["lib"] for r in results}, key=lambda l: (LIB_ORDER.index(l) if l in LIB_ORDER else 99, l))
    single = {r["lib"] for r in results if r.get("max_threads") == "1"}
    workloads = sorted({r["workload"] for r in results},
                       key=lambda w: (WORKLOAD_ORDER.index(w) if w in WORKLOAD_ORDER else 99, w))
    groups = collections.defaultdict(list)  # (workload, threads, lib) -> lines
    for r in results:
        groups[(r["workload"], r["threads"], r["lib"])].append(r)

    # Accuracy as a fraction in [0, 1] is shown in percent.
    def values(lines, metric, workload, threads):
        out = []
        for r in lines:
            if r.get("unsupported") == "1":
                continue
            if metric == "pct_sgemm_peak":
                g, peak = number(r, "gflops"), sgemm_peak.get(threads)
                if g is not None and peak:
                    out.append(100.0 * g / peak)
                continue
            v = number(r, metric)
            if v is None:
                continue
            if metric in ACCURACY and v <= 1.0:
                v *= 100.0
            out.append(v)
        return out

    sgemm_peak = {}
    for (w, t, lib), lines in groups.items():
        if w == "sgemm_peak" and lib == "fathom":
            g = [x for x in (number(r, "gflops") for r in lines) if x is not None]
            if g:
                sgemm_peak[t] = statistics.median(g)

    counts = collections.Counter(len(v) for (w, t, l), v in groups.items() if l not in single or t == 1)
    usual_n = counts.most_common(1)[0][0] if counts else 1
    peers = [l for l in libs if l != "fathom"]
    header = ["workload", "T", "metric"] + libs + [f"fathom vs {p}" for p in peers if "fathom" in libs]
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join(["---"] * 3 + ["---:"] * (len(header) - 3)) + "|")

    skipped, marked = [], False
    for w in workloads:
        metrics = METRICS.get(w)
        if metrics is None:
            skipped.append(w)
            continue
        multi = {t for (gw, t, l) in groups if gw == w and l not in single}
        thread_counts = sorted(multi or {1})
        for t in thread_counts:
            for metric in metrics:
                row, medians = [w, str(t), metric], {}
                for lib in libs:
                    mark = ""
                    lines = groups.get((w, t, lib))
                    if lib in single and t != 1:
                        lines = groups.get((w, 1, lib))
                        mark = "¹"
                        marked = marked or any(r.get("unsupported") != "1" for r in lines or [])
                    if not lines:
                        row.append("—")
                        continue
                    vals = values(lines, metric, w, t)
                    medians[lib] = statistics.median(vals) if vals else None
                    row.append(cell(vals, metric, usual_n, mark if vals else ""))
                if "fathom" in libs:
                    for p in peers:
                        if (w, t, p) not in groups and not (p in single and (w, 1, p) in groups):
                            row.append("—")
                        else:
                            row.append(ratio(metric, medians.get("fathom"), medians.get(p)))
                print("| " + " | ".join(row) + " |")

    print()
    print(f"Cells: median (min–max) over {usual_n} run(s) unless [n=k]; n/a: unsupported or not reported;"
          " —: not run. Ratios > 1 favour fathom (peer/fathom for times, latency and memory,"
          " fathom/peer for throughput and GFLOP/s); accuracy: fathom minus peer in points."
          " pct_sgemm_peak: wide's GFLOP/s over fathom's sgemm_peak at the same T.")
    if marked:
        print("¹ single-threaded library: its threads=1 run, compared with fathom at T threads.")
    # Sizes that should match across libraries (--quick sizes are each program's own choice).
    for w in workloads:
        keys = ["samples", "batch"] + (["epochs"] if w in ("epoch128", "epoch32", "wide") else [])
        for key in keys:
            seen = {}
            for (gw, t, lib), lines in groups.items():
                if gw == w:
                    for r in lines:
                        if key in r and r.get("unsupported") != "1":
                            seen.setdefault(r[key], set()).add(lib)
            if len(seen) > 1:
                detail = ", ".join(f"{'/'.join(sorted(ls))} {v}" for v, ls in sorted(seen.items()))
                print(f"Warning: {w}: {key} differs between libraries ({detail}); not like for like.")
    if skipped:
        print(f"Workloads without a table definition (not shown): {', '.join(skipped)}")

    print()
    print("Configurations:")
    for lib in libs:
        for w in workloads:
            seen = collections.OrderedDict()
            for t in sorted({t for (gw, t, l) in groups if gw == w and l == lib}):
                for r in groups[(w, t, lib)]:
                    text = r.get("config", "(none)")
                    if r.get("unsupported") == "1":
                        text = f"unsupported ({r.get('reason', '?')}) {text}"
                    seen.setdefault(text, []).append(t)
            if len(seen) == 1:
                print(f"- {lib} / {w}: {next(iter(seen))}")
            for text, ts in seen.items() if len(seen) > 1 else []:
                ts = sorted(set(ts))
                print(f"- {lib} / {w} (T={','.join(map(str, ts))}): {text}")
    if notes:
        print()
        for n in notes:
            print(n)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

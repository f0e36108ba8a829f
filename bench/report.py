"""Formats the results of scripts/bench.sh as one Markdown page.

Reads the JSON lines that scripts/bench.sh recorded (start-up times, the
seed, one line per load run, resident memory) and prints the machine, the
commands and the tables. Exits 1 if a scenario failed to run or a call of
a scenario that should succeed got a non-OK status. It never judges a time
or a rate.
"""

import argparse
import json
import os
import platform
import sys


def read_machine():
    cpu_model = "unknown"
    with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
        for line in cpuinfo:
            if line.startswith("model name"):
                cpu_model = line.split(":", 1)[1].strip()
                break
    memory = "unknown"
    with open("/proc/meminfo", encoding="utf-8") as meminfo:
        for line in meminfo:
            if line.startswith("MemTotal:"):
                memory = "%.1f GiB" % (int(line.split()[1]) / 1024 / 1024)
                break
    return (
        "- cores (nproc): %d\n- CPU: %s\n- memory: %s\n- kernel: %s"
        % (os.cpu_count(), cpu_model, memory, platform.release())
    )


def ratio(value, baseline):
    if not baseline:
        return "n/a"
    return "%.2f" % (value / baseline)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--results", required=True)
    parser.add_argument("--command", required=True)
    parser.add_argument("--duration", required=True)
    parser.add_argument("--warmup", required=True)
    parser.add_argument("--concurrency", required=True)
    args = parser.parse_args()

    with open(args.results, encoding="utf-8") as results:
        records = [json.loads(line) for line in results if line.strip()]
    # Runs are listed by scenario number, whatever order they ran in.
    loads = sorted((r for r in records if r["kind"] == "load"),
                   key=lambda r: int(r["name"].split(".", 1)[0]))
    seed = next(r["result"] for r in records if r["kind"] == "seed")

    # The baseline of each mode is the echo run of that mode.
    baselines = {}
    for run in loads:
        if run["name"].startswith("1.") and "result" in run:
            baselines[run["result"]["mode"]] = run["result"]

    failures = []
    lines = [
        "# ironorg benchmark results",
        "",
        "## Machine",
        "",
        read_machine(),
        "",
        "## Commands",
        "",
        "`%s`: each run below is `build/bin/ironorg-bench-load` with the "
        "flags listed under the table, --duration=%s --warmup=%s, and "
        "--concurrency=%s in closed loop unless its flags set another."
        % (args.command, args.duration, args.warmup, args.concurrency),
        "",
        "## Calls",
        "",
        "Ratios compare with the echo baseline of the same mode in this "
        "run: calls/s as a fraction of the baseline's, p99 as a multiple "
        "of the baseline's. Open-loop latencies are measured from each "
        "call's intended start.",
        "",
        "| scenario | mode | calls/s | calls/s ratio | p50 ms | p99 ms "
        "| p99.9 ms | p99 ratio | non-OK |",
        "|---|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for run in loads:
        if "result" not in run:
            failures.append("%s: %s" % (run["name"], run["error"]))
            lines.append("| %s | | | | | | | | %s |" % (run["name"],
                                                        run["error"]))
            continue
        result = run["result"]
        mode = result["mode"]
        if mode == "open":
            mode = "open, %d/s" % result["offered_rate"]
        baseline = baselines.get(result["mode"], {})
        non_ok = ", ".join(
            "%s %d" % item for item in sorted(result["non_ok"].items()))
        if run["expect_ok"] and result["non_ok_total"] > 0:
            failures.append("%s: non-OK calls: %s" % (run["name"], non_ok))
        lines.append(
            "| %s | %s | %.0f | %s | %.2f | %.2f | %.2f | %s | %s |"
            % (run["name"], mode, result["calls_per_second"],
               ratio(result["calls_per_second"],
                     baseline.get("calls_per_second")),
               result["p50_ms"], result["p99_ms"], result["p999_ms"],
               ratio(result["p99_ms"], baseline.get("p99_ms")),
               non_ok or "0"))

    lines += ["", "Flags of each run:", ""]
    for run in loads:
        lines.append("- %s: `%s`" % (run["name"], run.get("command", "")))

    lines += [
        "",
        "## Resident memory (VmRSS, MiB)",
        "",
        "| process | idle after start | after the load |",
        "|---|---:|---:|",
    ]
    memory = {}
    for record in records:
        if record["kind"] == "memory":
            memory.setdefault(record["process"], {})[record["phase"]] = (
                record["rss_kib"] / 1024)
    for process, phases in memory.items():
        lines.append("| %s | %.1f | %.1f |" % (
            process, phases.get("idle", 0), phases.get("after load", 0)))

    lines += [
        "",
        "## Start-up to SERVING (health check)",
        "",
        "| process | store | ms |",
        "|---|---|---:|",
    ]
    for record in records:
        if record["kind"] == "startup":
            lines.append("| %s | %s | %.0f |" % (
                record["process"], record["store"],
                record["result"]["serving_after_ms"]))

    lines += [
        "",
        "## Seeding",
        "",
        "%d users in identity.db in %.1f s; projects and grants in "
        "projects.db in %.1f s." % (seed["users"], seed["identity_seconds"],
                                    seed["projects_seconds"]),
    ]
    print("\n".join(lines))

    if failures:
        for failure in failures:
            print("FAILED " + failure, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env bash
# Runs the JMH benchmarks with the GC profiler and rewrites the JMH results section of
# bench/README.md from JMH's JSON output (time and allocation per operation).
#
#   bench/jmh-report.sh              # run everything (about 5 minutes), then write the table
#   bench/jmh-report.sh --from FILE  # only write the table from an earlier run's JSON
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "${1:-}" = "--from" ]; then
  json=$2
else
  [ -f bench/target/benchmarks.jar ] || mvn -B -q -pl bench -am package -DskipTests
  json=bench/target/jmh.json
  java -jar bench/target/benchmarks.jar -wi 2 -i 3 -w 1 -r 1 -f 1 -prof gc -rf json -rff "$json"
fi

python3 - "$json" <<'PY'
import json, sys
runs = json.load(open(sys.argv[1]))
rows = []
for run in runs:
    name = run["benchmark"].rsplit(".", 2)
    params = ", ".join(f"{k}={v}" for k, v in run.get("params", {}).items())
    score = run["primaryMetric"]["score"]
    unit = run["primaryMetric"]["scoreUnit"]
    alloc = run.get("secondaryMetrics", {}).get("gc.alloc.rate.norm", {}).get("score")
    rows.append(f"| {name[-2]}.{name[-1]} | {params} | {score:.1f} {unit} | "
                + ("n/a" if alloc is None else f"{alloc:.2f}") + " |")
first = runs[0]
cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")),
           "an unknown CPU")
header = (f"Measured on {cpu} with JMH {first.get('jmhVersion', '')} on {first.get('vmName', '')} "
          f"{first.get('vmVersion', '')}, {first.get('warmupIterations')}x{first.get('warmupTime')} warm-up, "
          f"{first.get('measurementIterations')}x{first.get('measurementTime')} measurement, 1 fork; "
          "B/op from the GC profiler.\n\n| benchmark | parameters | time | B/op |\n|---|---|---|---|\n")
table = header + "\n".join(rows)
readme = open("bench/README.md").read()
start, end = "<!-- jmh-results:start -->", "<!-- jmh-results:end -->"
before, rest = readme.split(start)
_, after = rest.split(end)
open("bench/README.md", "w").write(before + start + "\n" + table + "\n" + end + after)
print(table)
PY

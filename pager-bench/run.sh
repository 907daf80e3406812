#!/usr/bin/env bash
# Builds the benchmark jar and runs it on a JDK 25 or newer, with the settings BENCHMARKS.md quotes.
#
# Without arguments: two JMH passes, results in pager-bench/target/results-*.json.
#   1. Everything that syncs (commits, allocBulk/freeBulk, open, and the raw sync baselines),
#      with the LMDB peers of each.
#   2. The random reads, whose two 1 GiB files are written and deleted last: deleting them keeps
#      the disk busy for a while, which shows up as multi-millisecond stalls in any sync after it.
# With arguments: one pass, the arguments appended to the defaults (a later option wins), e.g.
#   pager-bench/run.sh DurableCommit -p file=4MiB
# Benchmark files go to -Dpager.bench.dir (default java.io.tmpdir): set PAGER_BENCH_DIR to move them.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

# The same JDK ../mvn25 picks (bin/jdk25.sh exports JAVA_HOME or explains and exits).
source "$here/../bin/jdk25.sh"
jdk="$JAVA_HOME"

"$here/../mvn25" -B -pl pager-bench -am package -DskipTests
jvm_args=()
if [ -n "${PAGER_BENCH_DIR:-}" ]; then
  # Prepend, not append: a -jvmArgsAppend here would replace the options that the LMDB peers'
  # @Fork(jvmArgsAppend = ...) gives their forks (see LmdbFile).
  jvm_args+=("-jvmArgsPrepend" "-Dpager.bench.dir=$PAGER_BENCH_DIR")
fi
jmh=("$jdk/bin/java" -jar "$here/target/benchmarks.jar" -foe true -f 1 -wi 2 -w 2s -i 3 -r 3s "${jvm_args[@]}")
if [ "$#" -gt 0 ]; then
  exec "${jmh[@]}" "$@"
fi
"${jmh[@]}" -e RandomReadBenchmark -rf json -rff "$here/target/results-sync.json"
"${jmh[@]}" RandomReadBenchmark -rf json -rff "$here/target/results-read.json"

#!/usr/bin/env bash
# Runs one fuzzer of a TILEFARM_FUZZERS=ON build, then merges the inputs that reach new
# coverage into the checked-in corpus (tests/fuzz/corpus/<name>/).
#
#   tests/fuzz/run_fuzzer.sh <build folder> <name> [seconds, default 600]
#   names: message_decoder pbrt_scene batch_spec bundle_manifest
#
# The working corpus, the log and any crash/timeout/leak artifact go under
# <build folder>/fuzz-work/. Runs at nice 10 on one core; stdin is /dev/null.
set -euo pipefail

if [ $# -lt 2 ]; then
  echo "usage: $0 <build folder> <name> [seconds]" >&2
  exit 2
fi
build=$(realpath "$1")
name=$2
seconds=${3:-600}
here=$(dirname "$(realpath "$0")")
fuzzer=$build/tests/fuzz/fuzz_$name
corpus=$here/corpus/$name
work=$build/fuzz-work/$name
artifacts=$build/fuzz-work/artifacts/$name/
if [ ! -x "$fuzzer" ]; then
  echo "$fuzzer not found: configure with CC=clang-14 CXX=clang++-14 -DTILEFARM_FUZZERS=ON and build fuzz_$name" >&2
  exit 1
fi
mkdir -p "$work" "$artifacts"

dict=()
[ -f "$here/$name.dict" ] && dict=(-dict="$here/$name.dict")

status=0
nice -n 10 "$fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=8192 \
  -print_final_stats=1 "${dict[@]}" -artifact_prefix="$artifacts" "$work" "$corpus" \
  </dev/null >"$build/fuzz-work/$name.log" 2>&1 || status=$?
grep -E '^#[0-9]+ +DONE|stat::number_of_executed_units|stat::average_exec_per_sec|stat::peak_rss_mb' \
  "$build/fuzz-work/$name.log" || true
if [ "$status" -ne 0 ]; then
  echo "fuzz_$name stopped with status $status: see $build/fuzz-work/$name.log and $artifacts" >&2
  exit "$status"
fi
# Merge on edge coverage only (-use_counters=0): an input joins the checked-in corpus only if
# it reaches code no input there reaches, which keeps the corpus small.
nice -n 10 "$fuzzer" -merge=1 -use_counters=0 -timeout=10 -rss_limit_mb=2048 "$corpus" "$work" \
  </dev/null >"$build/fuzz-work/$name.merge.log" 2>&1
# Keep the checked-in corpus at most max_inputs files, by a greedy cover of the edges.
max_inputs=200
if [ "$(ls "$corpus" | wc -l)" -gt "$max_inputs" ]; then
  scratch=$(mktemp -d)
  control=$(mktemp)
  nice -n 10 "$fuzzer" -merge=1 -use_counters=0 -timeout=10 -rss_limit_mb=2048 \
    -merge_control_file="$control" "$scratch" "$corpus" </dev/null \
    >"$build/fuzz-work/$name.trim.log" 2>&1
  python3 "$here/trim_corpus.py" "$control" "$corpus" "$max_inputs"
  rm -rf "$scratch" "$control"
fi
echo "corpus $corpus: $(ls "$corpus" | wc -l) files, $(du -sb "$corpus" | cut -f1) bytes"

#!/usr/bin/env bash
# Mutation testing of the YAML suites (issue 7): cargo-mutants mutates the reference's protocol
# logic (scope and test command: .cargo/mutants.toml) and, for each mutant, runs every suite under
# testsuites/ against the mutated reference on the simulated network
# (harness/tests/suites_mutants.rs). A mutant is caught when a test case no longer passes.
# The score, caught / (caught + missed) with timeouts counted as caught, unviable mutants and the
# equivalents of ci/mutants-equivalent.txt left out, and the surviving mutants are printed by
# ci/mutants_score.py. See "Mutation testing" in README.md.
#
#   ci/mutants.sh                 full run: every mutant in scope (about an hour on 2 cores)
#   ci/mutants.sh -j 2            the same with 2 build directories at once
#   ci/mutants.sh --slice         CI's bounded slice (SLICE below, a few minutes); exits 1 when a
#                                 mutant of the slice survives that is not recorded as equivalent
#   ci/mutants.sh --slice 5/32    another slice (round-robin shard K of N)
#   ci/mutants.sh --list          the mutants in scope, and their count per file
#   ci/mutants.sh --score [full|slice]   score the last run again (after editing the equivalents)
#   ci/mutants.sh ... -- ARGS     more cargo-mutants arguments, e.g. -- -F 'Cn::send_ba'
#
# Results: target/mutants/{full,slice}/mutants.out/ (outcomes.json, diff/, log/).
# Exit: 0 done (a full run whatever its score, unless MUTANTS_MIN_SCORE=P is set and the score is
# below P percent: 1), 1 a surviving mutant not recorded as equivalent in --slice mode, 2 the run
# is unusable (the suites fail against the unmutated reference, or cargo-mutants failed).
set -euo pipefail
cd "$(dirname "$0")/.."

# cargo-mutants from crates.io, pinned: its mutant names (and so the equivalents file) and
# outcome format may change between versions.
CARGO_MUTANTS_VERSION=27.1.0
# CI's slice: round-robin shard 0 of 32, i.e. every 32nd mutant of the scope in source order
# (about 31 of ~990, spread over cn.rs, ha.rs, ha/ and host.rs). The same source gives the same
# slice; editing the reference renumbers the mutants and so moves the slice.
SLICE=0/32
EQUIVALENT=ci/mutants-equivalent.txt

mode=full
jobs=1
shard=
score_only=
extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    --slice)
      mode=slice
      shard=$SLICE
      if [ $# -gt 1 ] && [[ "$2" =~ ^[0-9]+/[0-9]+$ ]]; then shard=$2; shift; fi ;;
    -j|--jobs) jobs=$2; shift ;;
    -j[0-9]*) jobs=${1#-j} ;;
    --list) mode=list ;;
    --score)
      score_only=1
      if [ $# -gt 1 ] && [[ "$2" =~ ^(full|slice)$ ]]; then mode=$2; shift; fi ;;
    -h|--help) sed -n '2,22p' "$0"; exit 0 ;;
    --) shift; extra=("$@"); break ;;
    *) echo "ci/mutants.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done

out=target/mutants/$mode
if [ -n "$score_only" ]; then
  exec python3 ci/mutants_score.py "$out/mutants.out" --equivalent "$EQUIVALENT" \
    --all-mutants "$out/all-mutants.txt" --what "$mode (re-scored)" \
    $([ "$mode" = slice ] && echo --fail-on-survivor)
fi

if ! cargo mutants --version 2>/dev/null | grep -qx "cargo-mutants $CARGO_MUTANTS_VERSION"; then
  echo "installing cargo-mutants $CARGO_MUTANTS_VERSION (cargo install --locked)"
  cargo install cargo-mutants --locked --version "$CARGO_MUTANTS_VERSION"
fi

mkdir -p "$out"
cargo mutants --list > "$out/all-mutants.txt"
total=$(grep -c . "$out/all-mutants.txt" || true)
if [ "$mode" = list ]; then
  cat "$out/all-mutants.txt"
  echo "-- $total mutants in scope (.cargo/mutants.toml):"
  cut -d: -f1 "$out/all-mutants.txt" | sort | uniq -c
  exit 0
fi

args=(--output "$out" --no-shuffle --jobs "$jobs")
what="full run, $total mutants, -j $jobs"
if [ "$mode" = slice ]; then
  args+=(--shard "$shard" --sharding round-robin)
  what="slice $shard round-robin of $total mutants, -j $jobs"
fi
echo "== cargo mutants ${args[*]} ${extra[*]}  ($what)"
start=$(date +%s)
set +e
cargo mutants "${args[@]}" "${extra[@]}"
rc=$?
set -e
echo "== cargo-mutants exited $rc after $(( $(date +%s) - start ))s"
# 0 all caught, 2 some missed, 3 some timed out: the scorer decides. 4: the suites fail against
# the unmutated reference; anything else: cargo-mutants could not run.
case $rc in
  0|2|3|4) ;;
  *) echo "ci/mutants.sh: cargo-mutants failed (exit $rc)" >&2; exit 2 ;;
esac

score_args=("$out/mutants.out" --equivalent "$EQUIVALENT" --all-mutants "$out/all-mutants.txt"
            --what "$what")
[ "$mode" = slice ] && score_args+=(--fail-on-survivor)
[ -n "${MUTANTS_MIN_SCORE:-}" ] && score_args+=(--min-score "$MUTANTS_MIN_SCORE")
python3 ci/mutants_score.py "${score_args[@]}"

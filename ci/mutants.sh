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
#   ci/mutants.sh --slice         CI's bounded slice: the mutants listed in ci/mutants-slice.txt
#                                 (a few minutes); exits 1 when one of them survives (and is not
#                                 recorded as equivalent) or no longer exists in the source
#   ci/mutants.sh --slice 5/32    another slice (round-robin shard K of N of the whole scope)
#   ci/mutants.sh --make-slice [N]  rewrite ci/mutants-slice.txt: N (default 32) mutants the last
#                                 full run caught, evenly spread over the scope in source order
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
# CI's slice: a fixed list of mutants that the last full run caught, spread over the scope
# (ci/mutants-slice.txt, written by --make-slice). It guards the kills: a suite edit that lets
# one of them survive fails CI. The full run measures the score. Entries are matched by file and
# mutation text, whatever their line:col, so moving code does not invalidate the list.
# cargo-mutants 27.1 applies no -F filter to its "delete field X from struct Y expression"
# mutants, so the slice also runs those (about ten in scope).
SLICE_FILE=ci/mutants-slice.txt
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
      if [ $# -gt 1 ] && [[ "$2" =~ ^[0-9]+/[0-9]+$ ]]; then shard=$2; shift; fi ;;
    --make-slice)
      n=32
      if [ $# -gt 1 ] && [[ "$2" =~ ^[0-9]+$ ]]; then n=$2; fi
      exec python3 ci/mutants_score.py target/mutants/full/mutants.out --make-slice "$n" \
        --slice-file "$SLICE_FILE" ;;
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
if [ "$mode" = slice ] && [ -n "$shard" ]; then
  args+=(--shard "$shard" --sharding round-robin)
  what="slice $shard round-robin of $total mutants, -j $jobs"
elif [ "$mode" = slice ]; then
  # One regex per entry: its file and mutation, any line:col.
  mapfile -t res < <(python3 ci/mutants_score.py --slice-regexes "$SLICE_FILE" \
    --all-mutants "$out/all-mutants.txt")
  [ ${#res[@]} -gt 0 ] || { echo "ci/mutants.sh: $SLICE_FILE selects no mutant" >&2; exit 2; }
  for r in "${res[@]}"; do args+=(-F "$r"); done
  what="slice $SLICE_FILE (${#res[@]} mutants of $total), -j $jobs"
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

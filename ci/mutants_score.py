#!/usr/bin/env python3
"""Scores a cargo-mutants run of the YAML suites (issue 7; ci/mutants.sh runs it).

Reads OUT/outcomes.json (cargo-mutants' mutants.out) and the equivalents file
(ci/mutants-equivalent.txt), prints the counts, the mutation score

    score = (caught + timeout) / (caught + timeout + missed)

where timeouts count as caught, and unviable mutants (they do not build) and missed mutants
recorded as equivalent are left out, then the surviving mutants (missed, not recorded) with
file:line:col and the mutation, and closes with the line `mutants: N passed, M failed, K skipped`
(passed = caught + timeout, failed = survivors, skipped = unviable + equivalent).

Exit status: 0; 1 with --fail-on-survivor when a mutant survived that is not recorded as
equivalent, or with --min-score P when the score is below P percent; 2 when the run is unusable
(no outcomes, or the suites failed against the unmutated reference).

Equivalents are matched by the mutant's full name as cargo-mutants prints it
(`reference/src/cn.rs:376:31: replace == with != in Cn::nonce`). When the code above a recorded
mutant moved, its line:col no longer matches; the entry still applies when exactly one mutant of
the run has the same file and mutation text, and the script says so (update the line then).

Two helpers for CI's slice (ci/mutants-slice.txt, a fixed list of mutants the suites kill):
--make-slice N writes it from a full run's caught mutants, evenly spread in source order;
--slice-regexes FILE prints one cargo-mutants -F regex per entry (its file and mutation, any
line:col), and exits 2 naming the entry when one matches no mutant of --all-mutants.
Python 3 standard library only.
"""

import argparse
import json
import re
import sys
from pathlib import Path

NAME_RE = re.compile(r"^(?P<file>[^:]+):(?P<line>\d+):(?P<col>\d+): (?P<what>.*)$")


def strip_pos(name):
    m = NAME_RE.match(name)
    return (m.group("file"), m.group("what")) if m else (None, name)


def load_equivalents(path):
    """[(name, reason, lineno)] from the equivalents file; exits 2 on a malformed line."""
    out = []
    if not path or not Path(path).is_file():
        return out
    for n, raw in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        name, sep, reason = line.partition(" # ")
        name, reason = name.strip(), reason.strip()
        if not sep or not reason or not NAME_RE.match(name):
            sys.exit(
                f"{path}:{n}: expected 'FILE:LINE:COL: MUTATION # REASON', got: {raw!r}"
            )
        out.append((name, reason, n))
    return out


def mutant_name(outcome):
    sc = outcome.get("scenario")
    if isinstance(sc, dict) and "Mutant" in sc:
        return sc["Mutant"]["name"]
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument(
        "out", nargs="?", help="cargo-mutants output directory (holding outcomes.json)"
    )
    ap.add_argument("--make-slice", type=int, metavar="N", default=None)
    ap.add_argument("--slice-file", default="ci/mutants-slice.txt")
    ap.add_argument("--slice-regexes", metavar="FILE", default=None)
    ap.add_argument("--equivalent", default="ci/mutants-equivalent.txt")
    ap.add_argument("--fail-on-survivor", action="store_true")
    ap.add_argument("--min-score", type=float, default=None, metavar="PERCENT")
    ap.add_argument("--what", default="run", help="what was run, for the report")
    ap.add_argument(
        "--all-mutants",
        metavar="FILE",
        help="`cargo mutants --list` of the whole scope: a moved entry is matched only when its "
        "mutation is unique there, and entries matching none of it are reported as stale",
    )
    a = ap.parse_args()
    if a.slice_regexes:
        return slice_regexes(a.slice_regexes, a.all_mutants)
    if a.out is None:
        ap.error("the cargo-mutants output directory is required")

    path = Path(a.out) / "outcomes.json"
    if not path.is_file():
        print(f"mutants: no {path}: cargo-mutants did not run", file=sys.stderr)
        return 2
    data = json.loads(path.read_text(encoding="utf-8"))
    outcomes = data.get("outcomes", [])
    if a.make_slice is not None:
        return make_slice(outcomes, a.make_slice, a.slice_file, data)

    baseline = [o for o in outcomes if o.get("scenario") == "Baseline"]
    if baseline and baseline[0].get("summary") != "Success":
        print(
            f"mutants: the suites fail against the unmutated reference: see "
            f"{Path(a.out) / baseline[0].get('log_path', '')}",
            file=sys.stderr,
        )
        return 2

    by_kind = {"CaughtMutant": [], "MissedMutant": [], "Timeout": [], "Unviable": []}
    other = []
    for o in outcomes:
        name = mutant_name(o)
        if name is None:
            continue
        by_kind.setdefault(o.get("summary"), other).append((name, o))
    caught, missed = by_kind["CaughtMutant"], by_kind["MissedMutant"]
    timeout, unviable = by_kind["Timeout"], by_kind["Unviable"]

    eq = load_equivalents(a.equivalent)
    all_names = [mutant_name(o) for o in outcomes if mutant_name(o)]
    scope = all_names
    if a.all_mutants and Path(a.all_mutants).is_file():
        scope = [
            l.strip()
            for l in Path(a.all_mutants).read_text(encoding="utf-8").splitlines()
            if NAME_RE.match(l.strip())
        ]
    exact = set(all_names)
    loose = {}
    for n in scope:
        loose.setdefault(strip_pos(n), []).append(n)
    in_scope, stale = set(scope), []
    # name in this run -> (reason, entry as written, line of the equivalents file)
    eq_map, moved = {}, []
    for name, reason, ln in eq:
        if name in exact:
            eq_map[name] = (reason, name, ln)
            continue
        if name in in_scope:
            continue  # a mutant of the scope that this run (a slice) did not test
        cands = loose.get(strip_pos(name), [])
        if len(cands) == 1:
            if cands[0] in exact and cands[0] not in eq_map:
                eq_map[cands[0]] = (reason, name, ln)
            moved.append((ln, name, cands[0]))
        else:
            stale.append((ln, name))

    equivalent = [(n, o) for n, o in missed if n in eq_map]
    survivors = [(n, o) for n, o in missed if n not in eq_map]
    killed_but_recorded = [
        (n, eq_map[n]) for n, _ in caught + timeout if n in eq_map
    ]

    k = len(caught) + len(timeout)
    denom = k + len(survivors)
    score = 100.0 * k / denom if denom else 100.0
    total = data.get("total_mutants", len(all_names))
    tested = len(all_names)

    print(f"== mutation score ({a.what}, cargo-mutants {data.get('cargo_mutants_version', '?')})")
    if tested < total:
        print(f"   WARNING: only {tested} of {total} mutants have an outcome (interrupted run?)")
    print(f"   mutants tested   {tested}")
    print(f"   caught           {len(caught)}")
    print(f"   timeout          {len(timeout)}   (counted as caught)")
    print(f"   missed           {len(missed)}")
    print(f"     equivalent     {len(equivalent)}   (recorded in {a.equivalent}; excluded)")
    print(f"     surviving      {len(survivors)}")
    print(f"   unviable         {len(unviable)}   (do not build; excluded)")
    if other:
        print(f"   other            {len(other)}   (unexpected outcome; excluded)")
    print(
        f"   score            {score:.1f}% = (caught {len(caught)} + timeout {len(timeout)}) / "
        f"(caught {len(caught)} + timeout {len(timeout)} + surviving {len(survivors)})"
    )
    for ln, was, now in moved:
        print(f"note: {a.equivalent}:{ln}: {was!r} moved to {now!r}: update the line")
    for ln, name in stale:
        print(
            f"note: {a.equivalent}:{ln}: {name!r} matches no mutant (or several): update or "
            f"remove the line"
        )
    for n, (_, was, ln) in killed_but_recorded:
        print(
            f"note: {a.equivalent}:{ln}: {was!r} is recorded as equivalent but the suites "
            f"kill it: remove the line"
        )
    if survivors:
        print(f"\nSurviving mutants ({len(survivors)}): add or sharpen a YAML test that kills")
        print(f"each, or record it in {a.equivalent} with the reason it cannot change the wire:")
        for n, o in sorted(survivors, key=lambda x: sort_key(x[0])):
            print(f"  {n}")
        print(f"(diffs and logs: {Path(a.out) / 'diff'}/, {Path(a.out) / 'log'}/)")
    if equivalent:
        print(f"\nEquivalent (recorded, not counted): {len(equivalent)}")
        for n, _ in sorted(equivalent, key=lambda x: sort_key(x[0])):
            print(f"  {n}  # {eq_map[n][0]}")

    print(f"\nmutants: {k} passed, {len(survivors)} failed, {len(unviable) + len(equivalent)} skipped")
    if a.fail_on_survivor and survivors:
        print(f"mutants: FAIL: {len(survivors)} surviving mutant(s) not recorded as equivalent")
        return 1
    if a.min_score is not None and score < a.min_score:
        print(f"mutants: FAIL: score {score:.1f}% below {a.min_score:.1f}%")
        return 1
    return 0


SLICE_HEADER = """\
# CI's mutation-testing slice (ci/mutants.sh --slice, run by ci/test.sh): mutants of the
# reference that the suites kill. CI fails when one of them survives, i.e. when a suite edit
# weakened a test. Written by `ci/mutants.sh --make-slice N` from the full run below (its caught
# mutants, evenly spread in source order; timeouts left out, they are slow); entries match by
# file and mutation whatever their line:col.
"""


def make_slice(outcomes, n, slice_file, data):
    caught = sorted(
        (mutant_name(o) for o in outcomes if o.get("summary") == "CaughtMutant"),
        key=sort_key,
    )
    caught = [c for c in caught if c]
    if not caught:
        print("mutants: the full run caught no mutant: nothing to slice", file=sys.stderr)
        return 2
    # Only mutants whose file and mutation text are unique, so an entry selects one mutant.
    counts = {}
    for c in (mutant_name(o) for o in outcomes):
        if c:
            counts[strip_pos(c)] = counts.get(strip_pos(c), 0) + 1
    unique = [c for c in caught if counts[strip_pos(c)] == 1]
    step = max(1, len(unique) / n)
    picked = []
    i = 0.0
    while int(i) < len(unique) and len(picked) < n:
        picked.append(unique[int(i)])
        i += step
    started = data.get("start_time", "")
    text = SLICE_HEADER + f"# From: {len(caught)} caught mutants of a run started {started}.\n"
    text += "".join(p + "\n" for p in picked)
    Path(slice_file).write_text(text, encoding="utf-8")
    print(f"mutants: wrote {len(picked)} mutants to {slice_file}")
    return 0


def rx_escape(text):
    """Escapes the metacharacters of Rust's regex crate (cargo-mutants' -F), nothing else."""
    return "".join("\\" + c if c in "\\.+*?()|[]{}^$" else c for c in text)


def slice_regexes(slice_file, all_mutants):
    entries = []
    for n, raw in enumerate(Path(slice_file).read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if not NAME_RE.match(line):
            print(f"{slice_file}:{n}: not a mutant name: {line!r}", file=sys.stderr)
            return 2
        entries.append((n, line))
    scope = set()
    if all_mutants and Path(all_mutants).is_file():
        scope = {
            strip_pos(l.strip())
            for l in Path(all_mutants).read_text(encoding="utf-8").splitlines()
            if NAME_RE.match(l.strip())
        }
    for n, name in entries:
        f, what = strip_pos(name)
        if scope and (f, what) not in scope:
            print(
                f"{slice_file}:{n}: {name!r} is no longer a mutant of the source: "
                f"regenerate the slice after a full run (ci/mutants.sh --make-slice)",
                file=sys.stderr,
            )
            return 2
        print(f"^{rx_escape(f)}:[0-9]+:[0-9]+: {rx_escape(what)}$")
    return 0


def sort_key(name):
    m = NAME_RE.match(name)
    if not m:
        return (name, 0, 0)
    return (m.group("file"), int(m.group("line")), int(m.group("col")))


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env bash
# The project's test command (README.md). Installs the system tools the tests use, then runs
# formatting, lint and every test of the workspace, then the mutation-testing slice (issue 7:
# the suites must still kill the mutants of ci/mutants-slice.txt; about 10 minutes, plus
# installing cargo-mutants once). CI (.ci/run) calls exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."

# tshark: the codec cross-check compares every decoded field with Wireshark's dissector.
# wireshark-common: text2pcap/editcap write captures with another tool for the decode test.
# iproute2: network namespaces and veth pairs for the live (AF_PACKET) tests.
# The report tests (reports/tests/writers.rs, harness/tests/reports_e2e.rs): libxml2-utils
# (xmllint validates junit.xml against reports/tests/data/junit.xsd), chromium (renders
# report.html headless: no console error, no request; the screenshot and the page are kept in
# target/ci-artifacts/ for people to look at), fonts-dejavu-core (text in that screenshot),
# python3 for the junitparser check below; tshark reads the per-test pcapng comments back.
missing=()
command -v ip >/dev/null 2>&1 || missing+=(iproute2)
command -v tshark >/dev/null 2>&1 || missing+=(tshark)
command -v text2pcap >/dev/null 2>&1 || missing+=(wireshark-common)
command -v xmllint >/dev/null 2>&1 || missing+=(libxml2-utils)
command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || missing+=(chromium fonts-dejavu-core)
command -v python3 >/dev/null 2>&1 || missing+=(python3 python3-pip)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "installing ${missing[*]} (apt)"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "warning: ${missing[*]} missing and not root: run 'sudo apt-get install ${missing[*]}';" \
         "the tests that use them will be skipped (the tshark, xmllint, chromium and junitparser ones" \
         "fail when CI is set)" >&2
  fi
fi
# junitparser (PyPI): a real JUnit consumer reads junit.xml back.
if command -v python3 >/dev/null 2>&1 && ! python3 -c 'import junitparser' >/dev/null 2>&1; then
  echo "installing junitparser (pip)"
  python3 -m pip install --quiet --disable-pip-version-check junitparser 2>/dev/null \
    || python3 -m pip install --quiet --disable-pip-version-check --break-system-packages junitparser \
    || echo "warning: junitparser could not be installed; the JUnit consumer check fails when CI is set" >&2
fi

cargo fmt --all --check
cargo clippy --workspace --all-targets --quiet -- -D warnings
cargo test --workspace
# The suites must still kill the slice's mutants of the reference (ci/mutants.sh installs the
# pinned cargo-mutants when it is missing).
bash ci/mutants.sh --slice

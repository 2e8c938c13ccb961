#!/usr/bin/env bash
# The project's test command (README.md). Installs the system tools the tests use, then runs
# formatting, lint and every test of the workspace. CI (.ci/run) calls exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."

# tshark: the codec cross-check compares every decoded field with Wireshark's dissector.
# wireshark-common: text2pcap/editcap write captures with another tool for the decode test.
# iproute2: network namespaces and veth pairs for the live (AF_PACKET) tests.
missing=()
command -v ip >/dev/null 2>&1 || missing+=(iproute2)
command -v tshark >/dev/null 2>&1 || missing+=(tshark)
command -v text2pcap >/dev/null 2>&1 || missing+=(wireshark-common)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "installing ${missing[*]} (apt)"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "warning: ${missing[*]} missing and not root: run 'sudo apt-get install ${missing[*]}';" \
         "the tshark cross-check and live tests will be skipped (tshark ones fail when CI is set)" >&2
  fi
fi

cargo fmt --all --check
cargo clippy --workspace --all-targets --quiet -- -D warnings
cargo test --workspace

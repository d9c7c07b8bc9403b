#!/usr/bin/env bash
# Installs Debian's `prometheus` package for the metrics integration test (test/integration/metrics), which starts
# its own private Prometheus server. Idempotent and quiet: when the binary is already there it installs nothing.
# The package's own service is not started: the test runs Prometheus on a port and data directory of its own.
# Prints the path of the binary on stdout; exit 1 (with the reason on stderr) when it cannot be installed.
set -euo pipefail

find_binary() { command -v prometheus 2>/dev/null || { [ -x /usr/bin/prometheus ] && echo /usr/bin/prometheus; }; }

if bin=$(find_binary); then
  echo "$bin"
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "install-prometheus: not root; install it with: sudo apt-get install -y --no-install-recommends prometheus" >&2
  exit 1
fi

# Keep the package's init script from starting a system-wide Prometheus on :9090 (Docker images already have
# this guard; a machine without one gets it only for the time of the install).
guard=/usr/sbin/policy-rc.d
added_guard=0
if [ ! -e "$guard" ]; then
  printf '#!/bin/sh\nexit 101\n' >"$guard"
  chmod 755 "$guard"
  added_guard=1
fi
cleanup() { if [ "$added_guard" = 1 ]; then rm -f "$guard"; fi; }
trap cleanup EXIT

log=$(mktemp)
if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus; } >"$log" 2>&1; then
  echo "install-prometheus: apt-get install prometheus failed:" >&2
  tail -n 20 "$log" >&2
  rm -f "$log"
  exit 1
fi
rm -f "$log"

if ! bin=$(find_binary); then
  echo "install-prometheus: the prometheus package installed but no prometheus binary was found" >&2
  exit 1
fi
echo "$bin"

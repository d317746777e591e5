#!/usr/bin/env bash
# Installs the Debian packages aiasim needs to build and test, if missing.
# Idempotent. As root it runs apt-get; otherwise it prints the exact command
# and fails, so nothing is half done.
set -euo pipefail
# clang and libclang-rt-14-dev (libFuzzer): scripts/fuzz.sh; man-db: the
# man page test (man -l); python3-jsonschema: the report schema test;
# g++ and libsystemc-dev: the SystemC adapter (adapters/systemc).
pkgs=(cmake make gcc g++ pkg-config libyaml-dev libcmocka-dev libjansson-dev clang libclang-rt-14-dev man-db python3-jsonschema libsystemc-dev)
[ "${AIASIM_DEPS_EXTRA:-}" ] && pkgs+=(${AIASIM_DEPS_EXTRA})
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
cmd="apt-get update && apt-get install -y --no-install-recommends ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
  echo "aiasim: missing packages: ${missing[*]}" >&2
  echo "aiasim: run as root:  $cmd" >&2
  exit 1
fi
echo "aiasim: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null

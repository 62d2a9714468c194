#!/usr/bin/env bash
# The systemd units pass `systemd-analyze verify` (with ExecStart pointed at the built binary,
# since the package is not installed here), and the man pages made from the binary's --help
# have the sections a man page needs and render without groff warnings. Installs nothing.
#   check_units_and_man.sh TILEFARM_BINARY SOURCE_DIR
set -euo pipefail
tilefarm=$(realpath "$1")  # ExecStart needs an absolute path
src=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failed=0

# Man pages.
cmake -DTILEFARM="$tilefarm" -DOUTPUT_DIR="$work/man" -DVERSION=test \
    -P "$src/cmake/ManPages.cmake" >/dev/null
for page in tilefarm tilefarm-dispatcher tilefarm-worker tilefarm-ledger-verify; do
  file="$work/man/$page.1.gz"
  if [ ! -s "$file" ]; then
    echo "FAIL: no man page $page.1.gz" >&2; failed=1; continue
  fi
  text=$(gzip -dc "$file")
  for section in '.TH ' '.SH NAME' '.SH SYNOPSIS' '.SH DESCRIPTION' '.nf' '.fi'; do
    grep -q "^$section" <<<"$text" || { echo "FAIL: $page.1 has no $section" >&2; failed=1; }
  done
  if command -v groff >/dev/null; then
    warnings=$(groff -man -ww -z -Tutf8 <<<"$text" 2>&1 || true)
    [ -z "$warnings" ] || { echo "FAIL: groff on $page.1: $warnings" >&2; failed=1; }
  fi
done
for page in tilefarm-dispatcher tilefarm-worker; do
  gzip -dc "$work/man/$page.1.gz" | grep -q 'log\\-format' ||
    { echo "FAIL: $page.1 does not list --log-format" >&2; failed=1; }
done

# Units.
if ! command -v systemd-analyze >/dev/null; then
  echo "FAIL: systemd-analyze not found (Debian package systemd; scripts/install-deps)" >&2
  exit 1
fi
mkdir "$work/units"
for unit in tilefarm-dispatcher.service tilefarm-worker@.service; do
  sed "s#/usr/bin/tilefarm#$tilefarm#g" "$src/packaging/systemd/$unit" >"$work/units/$unit"
done
ln -s tilefarm-worker@.service "$work/units/tilefarm-worker@check.service"
# verify exits 0 on unknown keys and bad values: any line it prints is a failure.
output=$(cd "$work/units" && systemd-analyze verify --man=no ./tilefarm-dispatcher.service \
    ./tilefarm-worker@check.service 2>&1) || failed=1
if [ -n "$output" ]; then
  echo "FAIL: systemd-analyze verify:" >&2
  echo "$output" >&2
  failed=1
fi
[ "$failed" -eq 0 ] && echo "units and man pages: ok"
exit "$failed"

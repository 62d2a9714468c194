#!/usr/bin/env bash
# Runs each small batch of this folder through `tilefarm sim` (embedded farm, CPU backend) and
# checks its ParaView output (.pvd collections, .vti snapshots) with VTK's own reader against
# the .npy files of the same snapshots: check_vtk_output.py.
# Usage: run_vtk_check.sh TILEFARM_EXE PYTHON3
set -euo pipefail
tilefarm=$1
python=$2
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# batch file, runs it expands to
for batch in "channel-2d.toml 2" "cavity-3d.toml 1" "gray-scott.toml 1"; do
  read -r file runs <<<"$batch"
  out="$work/${file%.toml}"
  "$tilefarm" sim "$here/$file" --backend cpu -o "$out" >/dev/null
  "$python" "$here/check_vtk_output.py" "$out" "$runs"
done

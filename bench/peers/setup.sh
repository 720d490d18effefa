#!/usr/bin/env bash
# Creates the Python environment of the peer comparison (Splink, recordlinkage, pandas, pyarrow,
# duckdb, pinned in requirements.txt), from PyPI:
#   bench/peers/setup.sh        (venv at $ATHAR_PEER_VENV, default /tmp/athar-peer-venv; $PYTHON, default python3)
set -euo pipefail
venv="${ATHAR_PEER_VENV:-/tmp/athar-peer-venv}"
cd "$(dirname "$0")"
"${PYTHON:-python3}" -m venv "$venv"
"$venv/bin/pip" install -q --upgrade pip
"$venv/bin/pip" install -q -r requirements.txt
echo "peer venv ready: $venv ($("$venv/bin/python" -c 'import splink; print("splink", splink.__version__)'))"

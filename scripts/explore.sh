#!/usr/bin/env bash
# Install cgt-graph into .venv and start the explorer on the embedded store
# (built from data/ on first run). Binds 127.0.0.1:8501, headless, no usage statistics.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
.venv/bin/pip install --quiet --upgrade pip
.venv/bin/pip install --quiet -e '.[explorer]'
[ -e "${CGT_GRAPH_STORE:-${CGT_GRAPH_HOME:-$HOME/.local/share/cgt-graph}/store}" ] || .venv/bin/cgt-graph build
exec .venv/bin/streamlit run explore.py --server.headless true --server.address 127.0.0.1 \
  --browser.gatherUsageStats false "$@"

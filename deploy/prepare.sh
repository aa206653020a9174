#!/usr/bin/env bash
# Prepares what a server's first visitors would otherwise wait for, into the
# cache the server will read: the demo's data, its fine-tuned model and
# held-out predictions (lumen-nlp prepare-demo), then its Embeddings page's
# projections and UMAP's compiled code (deploy/warm_demo.py).
#
# Usage: deploy/prepare.sh   (after deploy/install.sh)
#
# Variables:
#   PYTHON           the Python Lumen is installed in (default: python3)
#   LUMEN_CACHE_DIR  the cache folder the server will use (required)
#   NUMBA_CACHE_DIR  where UMAP's compiled code is kept (default:
#                    $LUMEN_CACHE_DIR/numba; the server must use the same)
#   LUMEN_DEMOS      the built-in datasets to prepare, comma-separated
#                    (default: movies, the one the app opens)
set -euo pipefail

python="${PYTHON:-python3}"
: "${LUMEN_CACHE_DIR:?set LUMEN_CACHE_DIR to the cache folder the server will use}"
export LUMEN_CACHE_DIR
export NUMBA_CACHE_DIR="${NUMBA_CACHE_DIR:-$LUMEN_CACHE_DIR/numba}"

IFS=',' read -r -a demos <<< "${LUMEN_DEMOS:-movies}"
for demo in "${demos[@]}"; do
  "$python" -P -m litcore prepare-demo --dataset "$demo"
done
"$python" "$(dirname "$0")/warm_demo.py" "${demos[@]}"

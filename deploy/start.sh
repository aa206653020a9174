#!/usr/bin/env bash
# Starts the installed app in public mode, listening on $PORT on every
# interface: the container's command (after deploy/install.sh and
# deploy/prepare.sh). Public mode cannot be turned off here; a private server
# runs `lumen-nlp serve` itself.
#
# Variables:
#   PYTHON           the Python Lumen is installed in (default: python3)
#   PORT             the port (default: 8501; Hugging Face Spaces: 7860)
#   LUMEN_ADDRESS    the address to listen on (default: 0.0.0.0)
#   LUMEN_CACHE_DIR  the cache deploy/prepare.sh filled (required)
#   NUMBA_CACHE_DIR  as deploy/prepare.sh had it (default: $LUMEN_CACHE_DIR/numba)
#   LUMEN_MAX_UPLOAD_MB and the other LUMEN_* variables of public mode, and
#   LUMEN_DATA, LUMEN_MODEL, ... for the server's own data and model.
set -euo pipefail

python="${PYTHON:-python3}"
: "${LUMEN_CACHE_DIR:?set LUMEN_CACHE_DIR to the cache deploy/prepare.sh filled}"
export LUMEN_CACHE_DIR
export NUMBA_CACHE_DIR="${NUMBA_CACHE_DIR:-$LUMEN_CACHE_DIR/numba}"
export STREAMLIT_SERVER_ADDRESS="${LUMEN_ADDRESS:-0.0.0.0}"
export STREAMLIT_SERVER_HEADLESS=true
export STREAMLIT_BROWSER_GATHER_USAGE_STATS=false
# Nothing to watch on a server: the app does not change while it runs.
export STREAMLIT_SERVER_FILE_WATCHER_TYPE=none
# The browser refuses bigger files before they are sent (public mode's cap).
export STREAMLIT_SERVER_MAX_UPLOAD_SIZE="${LUMEN_MAX_UPLOAD_MB:-20}"

# Streamlit reads .streamlit/config.toml (theme, settings) from the working
# folder: the app's own folder, inside the installed package.
app_folder="$("$python" -P -c 'from litcore.session.startup import app_script
print(app_script().parent)')"
cd "$app_folder"
exec "$python" -P -m litcore serve --public --port "${PORT:-8501}"

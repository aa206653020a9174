#!/usr/bin/env bash
# Installs Lumen as a package: CPU-only torch, the pinned dependencies of
# requirements.txt, then lumen-nlp itself (the app ships inside it).
#
# Usage: deploy/install.sh [--deps-only] [SOURCE]
#   SOURCE: the project folder (default: this checkout); pip builds in it,
#   leaving build/ and lumen_nlp.egg-info/ there. --deps-only: torch and
#   requirements.txt only (a container's cached layer; needs only
#   SOURCE/requirements.txt).
#
# Variables:
#   PYTHON           the Python whose pip installs (default: python3); a venv's
#                    python installs into that venv.
#   TORCH_INDEX_URL  the index torch alone comes from (default: PyTorch's CPU
#                    wheels, https://download.pytorch.org/whl/cpu). Empty: pip's
#                    own configuration picks it, e.g. a wheel in PIP_FIND_LINKS.
set -euo pipefail

deps_only=false
if [[ "${1:-}" == "--deps-only" ]]; then
  deps_only=true
  shift
fi
source_dir="${1:-$(cd "$(dirname "$0")/.." && pwd)}"
python="${PYTHON:-python3}"
torch_index="${TORCH_INDEX_URL-https://download.pytorch.org/whl/cpu}"
pip=("$python" -m pip install --no-cache-dir --disable-pip-version-check)

# The torch pin is requirements.txt's; PyPI's Linux torch would be a CUDA build.
torch_pin="$(grep -E '^torch==' "$source_dir/requirements.txt")"
if [[ -n "$torch_index" ]]; then
  "${pip[@]}" --index-url "$torch_index" "$torch_pin"
else
  "${pip[@]}" "$torch_pin"
fi
# torch is already there, so this leaves the CPU build in place.
"${pip[@]}" -r "$source_dir/requirements.txt"
if [[ "$deps_only" == true ]]; then
  exit 0
fi
"${pip[@]}" --no-deps "$source_dir"
# -P: the installed package, not a litcore/ folder in the working directory.
"$python" -P -m litcore --help > /dev/null

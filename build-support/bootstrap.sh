# Sourced by ./pants and tests/run: makes sure the pinned Pants venv exists, then sets PANTS_VENV.
#
# Pants 2.17 ships only a cp39 wheel, so the venv must be built from a Python 3.9. The venv is
# rebuilt only when a file under 3rdparty/python/ (or the interpreter) changes: their hash is
# stamped into the venv after a successful install.

_repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PANTS_VENV="${PANTS_VENV:-${_repo_root}/.pants-venv}"

_is_python39() {
  [[ -n "$1" ]] && "$1" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 9))' >/dev/null 2>&1
}

_find_python39() {
  local candidate
  if [[ -n "${PANTS_PYTHON:-}" ]]; then
    _is_python39 "${PANTS_PYTHON}" && { echo "${PANTS_PYTHON}"; return 0; }
    echo "PANTS_PYTHON=${PANTS_PYTHON} is not a working Python 3.9." >&2
    return 1
  fi
  candidate="$(command -v python3.9 2>/dev/null || true)"
  _is_python39 "${candidate}" && { echo "${candidate}"; return 0; }
  local pyenv_root="${PYENV_ROOT:-$HOME/.pyenv}"
  if command -v pyenv >/dev/null 2>&1; then pyenv_root="$(pyenv root)"; fi
  for candidate in $(ls -d "${pyenv_root}"/versions/3.9*/bin/python3.9 2>/dev/null | sort -rV); do
    _is_python39 "${candidate}" && { echo "${candidate}"; return 0; }
  done
  return 1
}

_bootstrap_venv() {
  local python requirements_hash stamp="${PANTS_VENV}/.requirements-sha256"
  if ! python="$(_find_python39)"; then
    echo "Pants 2.17 needs Python 3.9: install it (e.g. \`pyenv install 3.9\`) or point PANTS_PYTHON at a python3.9." >&2
    return 1
  fi
  requirements_hash="$(
    { cat "${_repo_root}"/3rdparty/python/*.txt; "${python}" -VV; } | sha256sum | cut -d' ' -f1
  )"
  [[ -f "${stamp}" && "$(cat "${stamp}")" == "${requirements_hash}" ]] && return 0

  # Serialize concurrent first runs (e.g. parallel CI steps) on one venv.
  exec 9>"${PANTS_VENV}.lock"
  command -v flock >/dev/null 2>&1 && flock 9
  if [[ -f "${stamp}" && "$(cat "${stamp}")" == "${requirements_hash}" ]]; then
    return 0
  fi
  echo "Bootstrapping the Pants venv in ${PANTS_VENV} (pins changed or first run)..." >&2
  rm -rf "${PANTS_VENV}"
  "${python}" -m venv "${PANTS_VENV}" &&
    "${PANTS_VENV}/bin/pip" install --quiet --disable-pip-version-check \
      $(for f in "${_repo_root}"/3rdparty/python/*.txt; do echo -r "$f"; done) || {
    echo "Installing the pinned requirements from 3rdparty/python/ failed (see pip's output above)." >&2
    return 1
  }
  echo "${requirements_hash}" >"${stamp}"
}

_bootstrap_venv || exit 1
export PANTS_VENV

# Sourced by ./pants and tests/run: makes sure the pinned Pants venv exists, then sets PANTS_VENV.
#
# Pants 2.17 ships only a cp39 wheel, so the venv must be built from a Python 3.9. The venv is
# rebuilt only when a file under 3rdparty/python/ changes (or its interpreter disappears): their
# hash is stamped into the venv after a successful install.

_repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PANTS_VENV="${PANTS_VENV:-${_repo_root}/.pants-venv}"

_is_python39() {
  [[ -n "$1" ]] && [[ "$("$1" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null)" == "3.9" ]]
}

_find_python39() {
  local candidate
  if [[ -n "${PANTS_PYTHON:-}" ]]; then
    _is_python39 "${PANTS_PYTHON}" && { echo "${PANTS_PYTHON}"; return 0; }
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

_venv_is_current() {
  # The fast path runs on every ./pants call, so it only hashes files: no interpreter start-up.
  [[ -f "${stamp}" && "$(cat "${stamp}")" == "${requirements_hash}" && -x "${PANTS_VENV}/bin/python" ]]
}

_bootstrap_venv() {
  local python stamp="${PANTS_VENV}/.requirements-sha256" requirements_hash
  requirements_hash="$(cat "${_repo_root}"/3rdparty/python/*.txt | sha256sum | cut -d' ' -f1)"
  _venv_is_current && return 0
  if ! python="$(_find_python39)"; then
    echo "Pants 2.17 needs Python 3.9${PANTS_PYTHON:+ (PANTS_PYTHON=${PANTS_PYTHON} is not one)}: install it (e.g. \`pyenv install 3.9\`) or point PANTS_PYTHON at a python3.9." >&2
    return 1
  fi

  # Serialize concurrent first runs (e.g. parallel CI steps) on one venv.
  exec 9>"${PANTS_VENV}.lock"
  command -v flock >/dev/null 2>&1 && flock 9
  _venv_is_current && return 0
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

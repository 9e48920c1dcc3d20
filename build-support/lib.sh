# Shell helpers for build-support's scripts. Sourced; defines functions only, runs nothing.

# find_python VAR NAME VERSION_RE PYENV_GLOB: print an interpreter whose "major.minor" matches
# VERSION_RE. $VAR, when set, is the only candidate (a user's explicit choice is never
# second-guessed); else NAME on PATH, then pyenv's versions matching PYENV_GLOB, newest first.
find_python() {
  local var="$1" name="$2" version_re="$3" pyenv_glob="$4" candidate pyenv_root
  if [[ -n "${!var:-}" ]]; then
    _python_matches "${!var}" "${version_re}" && { echo "${!var}"; return 0; }
    return 1
  fi
  candidate="$(command -v "${name}" 2>/dev/null || true)"
  _python_matches "${candidate}" "${version_re}" && { echo "${candidate}"; return 0; }
  pyenv_root="${PYENV_ROOT:-$HOME/.pyenv}"
  if command -v pyenv >/dev/null 2>&1; then pyenv_root="$(pyenv root)"; fi
  # shellcheck disable=SC2086  # the glob is meant to expand
  for candidate in $(ls -d "${pyenv_root}"/versions/${pyenv_glob} 2>/dev/null | sort -rV); do
    _python_matches "${candidate}" "${version_re}" && { echo "${candidate}"; return 0; }
  done
  return 1
}

_python_matches() {
  [[ -n "$1" && -x "$1" ]] &&
    [[ "$("$1" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null)" =~ ^$2$ ]]
}

# pid_alive PIDFILE: the pid file exists and its process runs.
pid_alive() {
  [[ -f "$1" ]] && kill -0 "$(cat "$1")" 2>/dev/null
}

# wait_until SECONDS PID CMD...: poll CMD every 0.05 s until it succeeds (0), PID exits (2), or
# SECONDS pass (1). A daemon that dies at start-up is reported at once, not after the timeout.
wait_until() {
  local seconds="$1" pid="$2" i
  shift 2
  for ((i = 0; i < seconds * 20; i++)); do
    "$@" && return 0
    kill -0 "${pid}" 2>/dev/null || return 2
    sleep 0.05
  done
  "$@" && return 0
  return 1
}

# stop_pid PIDFILE SECONDS: SIGTERM the pid file's process and wait up to SECONDS for it to exit;
# removes the pid file once it has. Returns 1 if it is still running.
stop_pid() {
  local pid i
  pid="$(cat "$1")"
  kill -TERM "${pid}" 2>/dev/null || true
  for ((i = 0; i < $2 * 20; i++)); do
    kill -0 "${pid}" 2>/dev/null || { rm -f "$1"; return 0; }
    sleep 0.05
  done
  return 1
}

# missing_debian_packages SCOPE: print the packages of build-support/debian-packages that SCOPE
# needs (`samples`, or `tests` for all of them) and that this machine lacks, one line, spaces.
missing_debian_packages() {
  # No dirname: this must work on a PATH that lacks coreutils too.
  local scope="$1" list="${BASH_SOURCE[0]%/*}/debian-packages"
  local package needs kind what rest missing=()
  while read -r package needs kind what rest; do
    [[ -z "${package}" || "${package}" == \#* ]] && continue
    [[ "${scope}" == "tests" || "${needs}" == "${scope}" ]] || continue
    case "${kind}" in
      cmd) command -v "${what}" >/dev/null 2>&1 && continue ;;
      file) [[ -f "${what}" ]] && continue ;;
      glob) compgen -G "${what}" >/dev/null && continue ;;
      gcc-file) [[ -f "$(gcc -print-file-name="${what}" 2>/dev/null)" ]] && continue ;;
    esac
    missing+=("${package}")
  done <"${list}"
  echo "${missing[*]}"
}

# install_debian_packages SCOPE: install what SCOPE lacks, saying what; not as root, print the one
# command that would, and fail.
install_debian_packages() {
  local missing
  missing="$(missing_debian_packages "$1")"
  [[ -z "${missing}" ]] && return 0
  if [[ "$(id -u)" != 0 ]]; then
    echo "Missing Debian packages; run: sudo apt-get install -y ${missing}" >&2
    return 1
  fi
  echo "Installing the Debian packages this repo's ${1} need: ${missing}" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ${missing} >&2
}

# install_buildgrid LABEL: make sure the pinned BuildGrid (build-support/remote-cache-requirements.txt)
# is in its venv, $BUILDGRID_VENV or .pants.d/buildgrid-venv, built from Python >= 3.13 (found as
# find_python does: $BUILDGRID_PYTHON, python3.13 on PATH, pyenv). LABEL prefixes the messages
# (remote-cache, remote-exec). Concurrent callers share one install: one builds, the others wait.
install_buildgrid() {
  local label="$1" repo venv requirements digest python
  repo="$(cd "${BASH_SOURCE[0]%/*}/.." && pwd)"
  venv="$(buildgrid_venv)"
  requirements="${repo}/build-support/remote-cache-requirements.txt"
  digest="$(sha256sum "${requirements}" | cut -d' ' -f1)"
  _buildgrid_installed "${venv}" "${digest}" && return 0
  if ! python="$(find_python BUILDGRID_PYTHON python3.13 '3\.(1[3-9])' '3.1[3-9]*/bin/python3')"; then
    echo "${label}: BuildGrid 0.9.1 needs Python >= 3.13${BUILDGRID_PYTHON:+ (BUILDGRID_PYTHON=${BUILDGRID_PYTHON} is not one)}:" \
      "install it (e.g. \`pyenv install 3.13\`) or point BUILDGRID_PYTHON at one." >&2
    return 1
  fi
  # A test run and a benchmark may start it at once: one installs, the other waits.
  mkdir -p "$(dirname "${venv}")"
  exec 7>"${venv}.lock"
  command -v flock >/dev/null 2>&1 && flock 7
  if ! _buildgrid_installed "${venv}" "${digest}"; then
    echo "${label}: installing BuildGrid into ${venv} (first run, about a minute)..." >&2
    rm -rf "${venv}"
    "${python}" -m venv "${venv}"
    "${venv}/bin/pip" install --quiet --disable-pip-version-check -r "${requirements}"
    echo "${digest}" >"${venv}/.requirements-sha256"
  fi
  exec 7>&-
}

# buildgrid_venv: where install_buildgrid puts BuildGrid.
buildgrid_venv() {
  echo "${BUILDGRID_VENV:-$(cd "${BASH_SOURCE[0]%/*}/.." && pwd)/.pants.d/buildgrid-venv}"
}

_buildgrid_installed() {
  [[ -f "$1/.requirements-sha256" && -x "$1/bin/bgd" && "$(cat "$1/.requirements-sha256")" == "$2" ]]
}

# port_in_use PORT: something listens on 127.0.0.1:PORT.
port_in_use() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

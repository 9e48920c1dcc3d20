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

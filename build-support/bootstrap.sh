# Sourced by ./pants and tests/run: makes sure the pinned Pants venv and Pants' pex tool exist,
# then sets PANTS_VENV (and PANTS_CA_CERTS_PATH, see the end).
#
# Pants 2.17 ships only a cp39 wheel, so the venv must be built from a Python 3.9. The venv is
# rebuilt only when a file under 3rdparty/python/ changes (or its interpreter disappears): their
# hash is stamped into the venv after a successful install.
#
# The fast path (everything current) runs on every ./pants call: it hashes small files and reads
# stamps, and starts no interpreter.

_repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PANTS_VENV="${PANTS_VENV:-${_repo_root}/.pants-venv}"
source "${_repo_root}/build-support/lib.sh"

_venv_is_current() {
  # The fast path runs on every ./pants call, so it only hashes files: no interpreter start-up.
  [[ -f "${stamp}" && "$(cat "${stamp}")" == "${requirements_hash}" &&
    -x "${PANTS_VENV}/bin/python" ]]
}

_bootstrap_venv() {
  local python stamp="${PANTS_VENV}/.requirements-sha256" requirements_hash
  requirements_hash="$(cat "${_repo_root}"/3rdparty/python/*.txt | sha256sum | cut -d' ' -f1)"
  _venv_is_current && return 0
  if ! python="$(find_python PANTS_PYTHON python3.9 '3\.9' '3.9*/bin/python3.9')"; then
    echo "Pants 2.17 needs Python 3.9${PANTS_PYTHON:+ (PANTS_PYTHON=${PANTS_PYTHON} is not one)}:" \
      "install it (e.g. \`pyenv install 3.9\`) or point PANTS_PYTHON at a python3.9." >&2
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
    echo "Installing the pinned requirements from 3rdparty/python/ failed" \
      "(see pip's output above)." >&2
    return 1
  }
  echo "${requirements_hash}" >"${stamp}"
}

# Pants runs every Python tool (the docker backend's Dockerfile parser, `[GLOBAL].plugins`, any
# python_* target) through its pex tool, which it downloads from GitHub by default; these
# machines can't reach GitHub. So build the same tool from PyPI, with the venv's own pex (Pants
# pins pex==2.1.137), where pants.toml's `[pex-cli].url_template` points. pex writes fixed zip
# timestamps, and `--python-shebang` removes the one interpreter-dependent line, so the file is
# reproducible: it is checked against `[pex-cli].known_versions`, the one place the pin lives.
# (Pants checks the same sha256 and size again whenever it loads the tool.)
_pex_tool_pin() {
  # Sets pin_version, pin_sha256, pin_size and pin_path from pants.toml's [pex-cli] section: the
  # known_versions entry for `version`, as Pants picks it (others may be listed during a bump).
  local line section="" template="" entries=()
  local section_re='^\[([^]]+)\]'
  local version_re='^version *= *"([^"]+)"'
  # A known_versions entry, on its own line or not.
  local pin_re='"(v[^|"]+)\|linux_x86_64\|([0-9a-f]{64})\|([0-9]+)"'
  local url_re='^url_template *= *"file://%\(buildroot\)s/([^"]+)"'
  pin_version="" pin_sha256="" pin_size="" pin_path=""
  [[ -f "${_repo_root}/pants.toml" ]] || return 0
  while IFS= read -r line || [[ -n "${line}" ]]; do
    if [[ "${line}" =~ ${section_re} ]]; then
      section="${BASH_REMATCH[1]}"
    elif [[ "${section}" != "pex-cli" ]]; then
      continue
    elif [[ "${line}" =~ ${version_re} ]]; then
      pin_version="${BASH_REMATCH[1]}"
    elif [[ "${line}" =~ ${pin_re} ]]; then
      entries+=("${BASH_REMATCH[1]} ${BASH_REMATCH[2]} ${BASH_REMATCH[3]}")
    elif [[ "${line}" =~ ${url_re} ]]; then
      template="${BASH_REMATCH[1]}"
    fi
  done <"${_repo_root}/pants.toml"
  local entry version sha256 size
  for entry in "${entries[@]}"; do
    read -r version sha256 size <<<"${entry}"
    [[ "${version}" == "${pin_version}" ]] && pin_sha256="${sha256}" pin_size="${size}"
  done
  [[ -n "${pin_sha256}" && -n "${template}" ]] || { pin_version=""; return 0; }
  pin_path="${_repo_root}/${template//\{version\}/${pin_version}}"
}

_pex_tool_is_current() {
  local stamped=""
  [[ -f "${pin_path}" && -f "${pin_path}.sha256" ]] || return 1
  read -r stamped <"${pin_path}.sha256" || true
  [[ "${stamped}" == "${pin_sha256}" ]]
}

_bootstrap_pex_tool() {
  local pin_version pin_sha256 pin_size pin_path build sha256 size builder
  _pex_tool_pin
  # A pants.toml that pins no local pex tool lets Pants download its own: nothing to build.
  [[ -n "${pin_path}" ]] || return 0
  _pex_tool_is_current && return 0
  mkdir -p "$(dirname "${pin_path}")"
  exec 8>"${pin_path}.lock"
  command -v flock >/dev/null 2>&1 && flock 8
  _pex_tool_is_current && return 0
  echo "Building Pants' pex tool (pex==${pin_version#v} from PyPI) into" \
    "${pin_path#"${_repo_root}/"} (first run or pin changed)..." >&2
  build="$(mktemp -d "${pin_path}.build.XXXXXX")"
  if ! "${PANTS_VENV}/bin/pex" "pex==${pin_version#v}" -c pex \
    --python-shebang '/usr/bin/env python3' -o "${build}/pex" >&2; then
    rm -rf "${build}"
    echo "Building the pex tool failed (see pex's output above). It resolves" \
      "pex==${pin_version#v} from PyPI, so PyPI must be reachable on the first run." >&2
    return 1
  fi
  sha256="$(sha256sum "${build}/pex" | cut -d' ' -f1)"
  size="$(stat -c %s "${build}/pex")"
  if [[ "${sha256}|${size}" != "${pin_sha256}|${pin_size}" ]]; then
    rm -rf "${build}"
    builder="$("${PANTS_VENV}/bin/pex" --version 2>/dev/null || echo "unknown")"
    cat >&2 <<MISMATCH
The pex tool built from PyPI's pex==${pin_version#v} is not the pinned file; it was not installed.
  built:  sha256 ${sha256}, ${size} bytes (by pex ${builder} in ${PANTS_VENV})
  pinned: sha256 ${pin_sha256}, ${pin_size} bytes ([pex-cli].known_versions in pants.toml)
Why: Pants runs the tool only if it matches the pin; a different file means a different pex
version, or a different builder, than the pin was made with.
Fix: if you changed [pex-cli].version on purpose, put the built sha256 and size into
[pex-cli].known_versions; otherwise restore the pins (git diff pants.toml 3rdparty/python).
MISMATCH
    return 1
  fi
  mv -f "${build}/pex" "${pin_path}"
  echo "${sha256}" >"${pin_path}.sha256"
  rm -rf "${build}"
}

# The Debian packages the samples need (`./pants`), or the tests too (tests/run sets
# GO_STATIC_DEBIAN_SCOPE=tests), from build-support/debian-packages: installed as root, else the
# one `sudo apt-get install` line is printed and nothing starts. GO_STATIC_DEBIAN_SCOPE=none skips
# it (the bootstrap's own tests, and machines whose packages are managed elsewhere).
if [[ "${GO_STATIC_DEBIAN_SCOPE:-samples}" != none ]]; then
  install_debian_packages "${GO_STATIC_DEBIAN_SCOPE:-samples}" || exit 1
fi
_bootstrap_venv || exit 1
export PANTS_VENV
_bootstrap_pex_tool || exit 1
# The bootstrap's locks (fds 9 and 8) are released here, not inherited: `./pants` execs Pants,
# whose pantsd would otherwise hold them, and the next bootstrap would wait on it forever.
exec 8>&- 9>&-

# Pants' own downloader (http_source files, tools fetched by URL) trusts only its built-in roots,
# not the system's. Behind a TLS-intercepting proxy or a private CA (as on these machines, whose
# proxy CA is only in the system bundle) every such download fails with `UnknownIssuer`. The
# system bundle holds the public roots too, so point Pants at it unless the user chose a file.
if [[ -z "${PANTS_CA_CERTS_PATH:-}" && -f /etc/ssl/certs/ca-certificates.crt ]]; then
  export PANTS_CA_CERTS_PATH=/etc/ssl/certs/ca-certificates.crt
fi

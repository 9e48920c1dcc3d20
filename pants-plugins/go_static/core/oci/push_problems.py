"""What a push says when it fails: crane's words (go-containerregistry's errors) mapped to
Problems, quoted one line at a time and scrubbed of anything credential-like. Pants-free."""

from __future__ import annotations

import re
from typing import Mapping

from go_static.core.errors import Problem

# What the runner reports when it killed crane at the deadline.
DEADLINE_MARK = "go_static: deadline reached"
DEADLINE_WHAT = "The push to "
QUOTE_CAP = 400


# Anything that may carry a secret: Authorization values, token/password fields, URL userinfo,
# JWTs. Each pattern is a plain sequence of classes, so matching is linear in the text.
_SECRETS = (
    (re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]+"), r"\1 <redacted>"),
    (
        re.compile(
            r"(?i)\b(token|access_token|refresh_token|password|passwd|secret|auth|"
            r"identitytoken|registrytoken)(\\?[\"']?\s*[:=]\s*\\?[\"']?)[^\s\"'&,}]+"
        ),
        r"\1\2<redacted>",
    ),
    (re.compile(r"://[^/\s@]+@"), "://<redacted>@"),
    (re.compile(r"\beyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*"), "<redacted>"),
)


def scrub(text: str) -> str:
    """`text` without anything credential-like."""
    for pattern, replacement in _SECRETS:
        text = pattern.sub(replacement, text)
    return text


def quote(stderr: str) -> str:
    """crane's error, scrubbed, on one line and short: its last non-empty line."""
    lines = [line for line in stderr.splitlines() if line.strip()]
    last = next((line for line in reversed(lines) if "Error" in line), lines[-1] if lines else "")
    last = " ".join(scrub(last).split())
    last = re.sub(r"^Error:\s*", "", last)
    return last if len(last) <= QUOTE_CAP else last[: QUOTE_CAP - 1] + "…"


def crane_problem(registry: str, name: str, action: str, stderr: str, deadline: float) -> Problem:
    """crane's failure as a Problem: what failed, why, the fix; its words quoted, scrubbed."""
    said = quote(stderr)
    details = (("crane said", said),) if said and stderr != DEADLINE_MARK else ()
    for needles, word in _CAUSES:
        if any(needle in stderr for needle in needles):
            what, why, fix = word(registry, name, action, deadline)
            return Problem(what, why, fix, details)
    return Problem(
        f"The push to {registry} failed at {action}.",
        "Every blob, manifest and tag of the image must be stored for the push to complete.",
        "Check the image's `repository` field and the registry's log; push again once it is "
        "fixed: blobs the registry already holds are skipped.",
        details,
    )


def _deadline(registry: str, name: str, action: str, deadline: float) -> tuple[str, str, str]:
    return (
        f"{DEADLINE_WHAT}{registry} did not finish within {deadline:g} s; it stopped at {action}.",
        "A registry that answers slowly or drips bytes would otherwise hold the push forever.",
        "Check the registry and the network, or raise [go-static-publish].timeout; pushing "
        "again skips the blobs already sent.",
    )


def _plain_http(registry: str, name: str, action: str, deadline: float) -> tuple[str, str, str]:
    return (
        f"The registry {registry} asked for credentials over plain HTTP during {action}; "
        "go_static did not send them.",
        "Over plain HTTP a password or token can be read by anyone on the path. A registry "
        "reached over HTTPS that redirects an upload to http:// is misconfigured or hostile.",
        f"Serve {registry} over HTTPS only; if it really is a plain-HTTP registry on a network "
        "you trust, list it in [go-static-publish].insecure_registries.",
    )


def _realm(registry: str, name: str, action: str, deadline: float) -> tuple[str, str, str]:
    return (
        f"The registry {registry} named a token service (realm) that credentials may not go "
        f"to, during {action}.",
        "Credentials go only to an https:// token service (http:// only for a registry listed "
        "in [go-static-publish].insecure_registries), on a public address or the registry's "
        "own host:port; a realm with no scheme, file://, or plain http:// is refused.",
        f"Fix the token realm that {registry} announces in its WWW-Authenticate header (e.g. "
        "distribution's auth.token.realm) to an https:// URL.",
    )


def _bad_token(registry: str, name: str, action: str, deadline: float) -> tuple[str, str, str]:
    return (
        f"The token service of {registry} sent a token that can't be used, during {action} "
        "(it holds a line break or another character a header can't carry).",
        "The token is sent back in an Authorization header; it is not shown here.",
        f"Ask the operators of {registry} to fix its token service.",
    )


def _redirects(registry: str, name: str, action: str, deadline: float) -> tuple[str, str, str]:
    return (
        f"The registry {registry} redirected {action} in a loop (10 redirects).",
        "A registry answers each request itself or sends it once to storage; a loop is its "
        "misconfiguration (a proxy in front of it, or a wrong external URL).",
        f"Check the external URL that {registry} and any proxy in front of it are configured "
        f"with; the image's `repository` field names {name}.",
    )


def _huge_body(registry: str, name: str, action: str, deadline: float) -> tuple[str, str, str]:
    return (
        f"The registry {registry} refused {action} with an error body too large to read.",
        "Error bodies are read up to 64 KiB and quoted up to a line; the rest is dropped.",
        f"The registry's own log says why it refused; the image's `repository` field names {name}.",
    )


def _unreadable(registry: str, name: str, action: str, deadline: float) -> tuple[str, str, str]:
    return (
        f"An answer during {action} could not be read: it is not the JSON expected.",
        f"The answer came from {registry}, its token service, or a Docker credential helper "
        "(which prints JSON on stdout).",
        "Check a credential helper named in $DOCKER_CONFIG/config.json by hand "
        f"(`echo {registry} | docker-credential-<name> get`), then the registry's log.",
    )


def _tls(registry: str, name: str, action: str, deadline: float) -> tuple[str, str, str]:
    return (
        f"TLS with the registry {registry} failed during {action}.",
        "The image is pushed over HTTPS unless the registry is listed as insecure; an "
        "unverified certificate could let another host take the push and the credentials.",
        "If the registry has a private CA, set SSL_CERT_FILE (a PEM bundle) or SSL_CERT_DIR "
        "for `pants publish`, or add it to the system's trust store; if it serves plain HTTP, "
        "list it in [go-static-publish].insecure_registries.",
    )


def _unreachable(registry: str, name: str, action: str, deadline: float) -> tuple[str, str, str]:
    return (
        f"The registry {registry} could not be reached during {action}.",
        f"The image is pushed to {name}.",
        f"Start the registry, or fix the registry host:port in the image's `repository` field "
        f"(now {registry}).",
    )


def _helper(registry: str, name: str, action: str, deadline: float) -> tuple[str, str, str]:
    return (
        f"The Docker credential helper for {registry} failed during {action}.",
        "Credentials come from the helper that `credHelpers` or `credsStore` in "
        "$DOCKER_CONFIG/config.json names (docker-credential-<name> on PATH).",
        "Install that helper on PATH and log in with it (e.g. `docker login`), or remove it "
        "from the Docker config.",
    )


def _unauthorized(registry: str, name: str, action: str, deadline: float) -> tuple[str, str, str]:
    return (
        f"The registry {registry} asked for credentials for {action}, and had none it accepts.",
        f"Pushing to {name} needs an account that may push there.",
        _LOGIN_FIX.format(registry=registry),
    )


def _denied(registry: str, name: str, action: str, deadline: float) -> tuple[str, str, str]:
    return (
        f"The registry {registry} denied {action}.",
        f"Pushing to {name} needs an account that may push there.",
        _LOGIN_FIX.format(registry=registry),
    )


def _name(registry: str, name: str, action: str, deadline: float) -> tuple[str, str, str]:
    return (
        f"The registry {registry} does not accept the repository {name} ({action}).",
        "The registry does not accept this repository name, or has no such repository.",
        "Check the image's `repository` field: the path must be valid and creatable on that "
        "registry (e.g. under a namespace you may push to).",
    )


def _read_only(registry: str, name: str, action: str, deadline: float) -> tuple[str, str, str]:
    return (
        f"The registry {registry} does not take pushes ({action}).",
        "It may be read-only, a mirror or a cache.",
        f"Point the image's `repository` field ({name}) at a registry that accepts pushes, or "
        "ask its operators to make it writable.",
    )


def _rate(registry: str, name: str, action: str, deadline: float) -> tuple[str, str, str]:
    return (
        f"The registry {registry} limits the request rate and refused {action}.",
        "Registries throttle clients that send too many requests.",
        "Wait and push again: blobs the registry already holds are skipped.",
    )


_LOGIN_FIX = (
    "Log in to {registry} the way docker does (`docker login {registry}`, or a credential "
    "helper named in `credHelpers`/`credsStore` of $DOCKER_CONFIG/config.json), and check that "
    "the account may push to the repository."
)
# crane's words (go-containerregistry's errors), most specific first.
_CAUSES = (
    ((DEADLINE_MARK,), _deadline),
    (("refused to send credentials over plain HTTP",), _plain_http),
    (("invalid realm", "realm scheme", "realm host", "missing realm"), _realm),
    (("invalid header field value",), _bad_token),
    (("stopped after 10 redirects",), _redirects),
    (("body exceeds",), _huge_body),
    (("invalid character", "unexpected end of JSON input", "cannot unmarshal"), _unreadable),
    (("x509:", "tls:", "certificate"), _tls),
    (("connection refused", "no such host", "network is unreachable", "i/o timeout"), _unreachable),
    (("docker-credential-", "credential helper", "error getting credentials"), _helper),
    (("DENIED", "403 Forbidden"), _denied),
    (("UNAUTHORIZED", "401 Unauthorized"), _unauthorized),
    (("NAME_UNKNOWN", "NAME_INVALID"), _name),
    (("UNSUPPORTED", "405 Method Not Allowed", "read-only", "read only"), _read_only),
    (("TOOMANYREQUESTS", "429 Too Many Requests"), _rate),
)


def no_crane_problem(path: str, error: OSError) -> Problem:
    return Problem(
        f"crane could not be run from {path} ({error.strerror or error}).",
        "go_static pushes images with go-containerregistry's crane.",
        "Run `pants publish`, which builds crane, or pass the path of a crane built from "
        "go_static.core.oci.crane with --crane.",
    )


def digest_mismatch(
    registry: str, name: str, ours: str, found: Mapping[str, str | None]
) -> Problem:
    named = "; ".join(f"{tag} -> {digest or 'nothing'}" for tag, digest in found.items())
    return Problem(
        f"The registry {registry} accepted every tag for {name}@{ours}, but now answers other "
        f"digests for some of them ({named}).",
        "A digest names exact bytes: a registry that answers another one either rewrote the "
        "manifest or misreports Docker-Content-Digest, and a pull by tag may not get this image.",
        "Pull by digest (the image above), and ask the registry's operators why it reports "
        "another digest; the CNCF distribution registry, Harbor and GHCR store manifests as sent.",
    )

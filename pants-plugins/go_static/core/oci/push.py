"""Push an OCI image layout to a registry, by the OCI distribution spec, tags last.

Pants-free, stdlib only. The order is what makes a failed push harmless: every config and layer
blob first, then each platform's manifest and the index, by digest, and only then the tags. Until
the tags step nothing names the new image, so a push that stops earlier leaves every tag where it
was; a tag never points at an image with parts missing. Blobs the registry already holds are
skipped (HEAD), so pushing the same reproducible image again sends only its manifests.

Auth: anonymous; a Bearer token from the registry's token service (the challenge Docker Hub, GHCR
and Harbor send), fetched with Basic credentials when there are some; or plain Basic. Credentials
come from the caller, e.g. `docker_config_credentials()`, which reads the `auth` entries of
~/.docker/config.json. Credential helpers (`credsStore`, `credHelpers`) are not run.
"""

from __future__ import annotations

import base64
import http.client
import ipaddress
import json
import os
import re
import socket
import ssl
import urllib.error
import urllib.request
from dataclasses import dataclass, replace
from email.message import Message
from pathlib import Path
from typing import Any, Collection, Mapping, Sequence
from urllib.parse import urlencode, urljoin, urlsplit, urlunsplit

from go_static.core.errors import GoStaticError, Problem, render_problems
from go_static.core.oci.descriptor import Blob, Descriptor
from go_static.core.oci.reference import (
    DOCKER_HUB,
    OFFICIAL_NAMESPACE,
    ImageReference,
    references_for,
    split_registry,
)

DEFAULT_TIMEOUT = 60.0
OCTET_STREAM = "application/octet-stream"
# Docker Hub's API host, and the key `docker login` files its credentials under.
DOCKER_HUB_API = "registry-1.docker.io"
DOCKER_HUB_ALIASES = ("", DOCKER_HUB, "index.docker.io", DOCKER_HUB_API)
USER_AGENT = "go_static-push"
SHA256_HEX = re.compile(r"[0-9a-f]{64}")
# Registry error codes whose Fix is about credentials, or about the repository name.
AUTH_CODES = {"UNAUTHORIZED", "DENIED"}
NAME_CODES = {"NAME_UNKNOWN", "NAME_INVALID"}

Credentials = Mapping[str, "tuple[str, str]"]


class RegistryPushError(GoStaticError):
    """A push that the registry refused or could not be made; says which tags, if any, moved."""

    code = "publish"

    def __init__(
        self, subject: str, problems: Sequence[Problem], tags_moved: Sequence[str] = ()
    ) -> None:
        self.subject, self.problems = subject, tuple(problems)
        self.tags_moved = tuple(tags_moved)
        super().__init__(render_problems(subject, self.problems))


@dataclass(frozen=True)
class PushResult:
    """What one push did: the image's digest, the tags now naming it, and the blobs sent."""

    registry: str  # as the name has it: "127.0.0.1:5000", "docker.io"
    repository: str
    digest: str  # the top manifest's or index's
    tags: tuple[str, ...]
    blobs_uploaded: int
    blobs_skipped: int  # already in the registry
    bytes_uploaded: int  # of config and layer blobs

    @property
    def pinned(self) -> str:
        """The image by digest: `registry/repository@sha256:...`."""
        return f"{self.registry}/{self.repository}@{self.digest}"


class _Failed(GoStaticError):
    """One problem, raised inside a push; the push adds where it stopped and which tags moved."""

    code = "publish"

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.what)
        self.problem = problem


# --- the public entry points


def push_layout(
    files: Mapping[str, bytes],
    name: str,
    tags: Sequence[str] = (),
    *,
    subject: str = "",
    credentials: Credentials | None = None,
    insecure_registries: Collection[str] = (),
    timeout: float = DEFAULT_TIMEOUT,
) -> PushResult:
    """Push the layout to `name` ([registry/]path), then point each tag at it."""
    references_for([name], tags, subject=subject)  # the grammar, before any request is made
    registry, repository = split_registry(name)
    client = _client(registry, repository, credentials, insecure_registries, timeout)
    return _push(files, client, tags, subject)


def push_references(
    files: Mapping[str, bytes],
    references: Sequence[ImageReference],
    *,
    subject: str = "",
    credentials: Credentials | None = None,
    insecure_registries: Collection[str] = (),
    timeout: float = DEFAULT_TIMEOUT,
) -> tuple[PushResult, ...]:
    """One push per repository the references name (taken as parsed), each with its tags."""
    by_name: dict[tuple[str, str], list[str]] = {}
    for ref in references:
        by_name.setdefault((ref.registry, ref.repository), []).append(ref.tag)
    results: list[PushResult] = []
    for (registry, repository), tags in by_name.items():
        client = _client(registry, repository, credentials, insecure_registries, timeout)
        try:
            results.append(_push(files, client, tags, subject))
        except RegistryPushError as error:
            raise _after(error, results) from None
    return tuple(results)


def _after(error: RegistryPushError, done: Sequence[PushResult]) -> RegistryPushError:
    """The error of a later repository, saying which earlier ones were pushed in full."""
    if not done:
        return error
    pushed = "; ".join(f"{r.registry}/{r.repository} (tags: {', '.join(r.tags)})" for r in done)
    problems = [
        replace(p, details=(*p.details, ("Already pushed", pushed))) for p in error.problems
    ]
    return RegistryPushError(error.subject, problems, error.tags_moved)


def read_layout(directory: Path) -> dict[str, bytes]:
    """An OCI image layout directory as `{relative path: bytes}`: oci-layout, index.json, blobs/."""
    found = {
        name: (directory / name).read_bytes()
        for name in ("oci-layout", "index.json")
        if (directory / name).is_file()
    }
    for path in sorted((directory / "blobs").rglob("*")):
        if path.is_file():
            found[path.relative_to(directory).as_posix()] = path.read_bytes()
    return found


def plain_http(registry: str, insecure_registries: Collection[str] = ()) -> bool:
    """Whether to speak plain HTTP: to loopback (as docker and skopeo do) or a listed registry."""
    host = _host(registry)
    return registry in insecure_registries or host in insecure_registries or _loopback(host)


def docker_config_credentials(
    environ: Mapping[str, str] = os.environ, *, subject: str = ""
) -> dict[str, tuple[str, str]]:
    """registry -> (user, password) from the `auths` of $DOCKER_CONFIG (~/.docker)/config.json."""
    home = environ.get("HOME") or str(Path.home())
    path = Path(environ.get("DOCKER_CONFIG") or os.path.join(home, ".docker")) / "config.json"
    if not path.is_file():
        return {}
    try:
        auths = json.loads(path.read_text(encoding="utf-8")).get("auths") or {}
        return {
            _auth_key_registry(key): _decoded_auth(entry["auth"])
            for key, entry in auths.items()
            if isinstance(entry, dict) and entry.get("auth")
        }
    except (OSError, ValueError, AttributeError) as error:
        raise RegistryPushError(subject, [_docker_config_problem(path, error)]) from None


def _auth_key_registry(key: str) -> str:
    """`https://index.docker.io/v1/` -> docker.io; `https://host:5000/` -> host:5000."""
    host = key.split("://", 1)[-1].split("/", 1)[0]
    return DOCKER_HUB if host in DOCKER_HUB_ALIASES else host


def _decoded_auth(auth: str) -> tuple[str, str]:
    user, colon, password = base64.b64decode(auth, validate=True).decode("utf-8").partition(":")
    if not colon:
        raise ValueError("an `auth` entry is base64 of user:password, and this one has no `:`")
    return user, password


def _credentials_for(registry: str, credentials: Credentials) -> tuple[str, str] | None:
    key = DOCKER_HUB if registry in DOCKER_HUB_ALIASES else registry
    return credentials.get(registry) or credentials.get(key)


# --- where to push


@dataclass(frozen=True)
class _Endpoint:
    """A repository as the API sees it: Docker Hub's names made explicit, the scheme chosen."""

    registry: str  # as named, for messages: "127.0.0.1:5000", "docker.io"
    host: str  # what serves /v2/: "registry-1.docker.io" for Docker Hub
    repository: str  # "library/app" for Docker Hub's one-component "app"
    scheme: str

    @property
    def base(self) -> str:
        return f"{self.scheme}://{self.host}"

    @property
    def shown(self) -> str:
        return f"{self.registry}/{self.repository}"


def _client(
    registry: str,
    repository: str,
    credentials: Credentials | None,
    insecure_registries: Collection[str],
    timeout: float,
) -> _Client:
    endpoint = _endpoint(registry, repository, insecure_registries)
    return _Client(endpoint, _credentials_for(registry, credentials or {}), timeout)


def _endpoint(registry: str, repository: str, insecure_registries: Collection[str]) -> _Endpoint:
    if registry in DOCKER_HUB_ALIASES:
        path = repository if "/" in repository else f"{OFFICIAL_NAMESPACE}/{repository}"
        return _Endpoint(DOCKER_HUB, DOCKER_HUB_API, path, "https")
    scheme = "http" if plain_http(registry, insecure_registries) else "https"
    return _Endpoint(registry, registry, repository, scheme)


def _host(registry: str) -> str:
    """The host without the port: `[::1]:5000` -> `[::1]`, `127.0.0.1:5000` -> `127.0.0.1`."""
    if registry.startswith("["):
        return registry[: registry.find("]") + 1]
    return registry.partition(":")[0]


def _loopback(host: str) -> bool:
    try:
        return host == "localhost" or ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


# --- what to push


@dataclass(frozen=True)
class _Plan:
    """A layout's contents in push order: configs and layers, then manifests children first."""

    blobs: tuple[Blob, ...]
    manifests: tuple[Blob, ...]  # the top one (what the tags name) last

    @property
    def top(self) -> Blob:
        return self.manifests[-1]


def _plan_layout(files: Mapping[str, bytes]) -> _Plan:
    """Every blob the layout's one top manifest or index reaches, checked against its digest."""
    index = _document(_index_json(files), "index.json")
    tops = {d.digest: d for d in _descriptors(index.get("manifests"), "index.json")}
    if len(tops) != 1:
        raise _Failed(_layout_problem(f"index.json names {len(tops)} images, not one"))
    blobs: dict[str, Blob] = {}
    manifests: dict[str, Blob] = {}
    _walk(files, next(iter(tops.values())), "index.json", blobs, manifests)
    return _Plan(tuple(blobs.values()), tuple(manifests.values()))


def _walk(
    files: Mapping[str, bytes],
    descriptor: Descriptor,
    parent: str,
    blobs: dict[str, Blob],
    manifests: dict[str, Blob],
) -> None:
    """Collect a manifest's config and layers, or an index's manifests, before the manifest."""
    blob = _layout_blob(files, descriptor, parent)
    document = _document(blob.data, descriptor.digest)
    for child in _descriptors(document.get("manifests", []), descriptor.digest):
        _walk(files, child, descriptor.digest, blobs, manifests)
    config = _descriptors([document["config"]] if "config" in document else [], descriptor.digest)
    for part in [*config, *_descriptors(document.get("layers", []), descriptor.digest)]:
        blobs.setdefault(part.digest, _layout_blob(files, part, descriptor.digest))
    manifests.setdefault(blob.digest, blob)


def _index_json(files: Mapping[str, bytes]) -> bytes:
    if "index.json" not in files:
        raise _Failed(_layout_problem("it has no index.json"))
    return files["index.json"]


def _document(data: bytes, where: str) -> dict[str, Any]:
    try:
        document = json.loads(data)
    except ValueError as error:
        raise _Failed(_layout_problem(f"{where} is not valid JSON ({error})")) from None
    if not isinstance(document, dict):
        raise _Failed(_layout_problem(f"{where} is not a JSON object"))
    return document


def _descriptors(items: Any, where: str) -> list[Descriptor]:
    """The descriptors a document lists; a malformed one is a broken layout, not a crash."""
    if not isinstance(items, list):
        raise _Failed(_layout_problem(f"{where} lists no descriptors"))
    try:
        return [Descriptor(d["mediaType"], d["digest"], int(d["size"])) for d in items]
    except (KeyError, TypeError, ValueError):
        raise _Failed(_layout_problem(f"{where} has a malformed descriptor")) from None


def _layout_blob(files: Mapping[str, bytes], descriptor: Descriptor, parent: str) -> Blob:
    """The blob a descriptor points at, read from the layout and checked against its digest."""
    algorithm, _, hex_digest = descriptor.digest.partition(":")
    if algorithm != "sha256" or not SHA256_HEX.fullmatch(hex_digest):
        raise _Failed(
            _layout_problem(f"it names the digest {descriptor.digest!r}, not a sha256 one")
        )
    path = f"blobs/sha256/{hex_digest}"
    referrer = f", which {parent} refers to"
    if path not in files:
        raise _Failed(_layout_problem(f"it lacks {path}{referrer}"))
    blob = Blob.of(descriptor.media_type, files[path])
    if (blob.digest, blob.size) != (descriptor.digest, descriptor.size):
        found = f"{blob.size} bytes, digest {blob.digest}"
        expected = f"{descriptor.size} bytes, digest {descriptor.digest}"
        raise _Failed(_layout_problem(f"{path}{referrer}, holds {found}, not {expected}"))
    return blob


# --- the push


def _push(
    files: Mapping[str, bytes], client: _Client, tags: Sequence[str], subject: str
) -> PushResult:
    """Blobs, then manifests by digest, then tags; a failure says how far it got."""
    tags = tuple(dict.fromkeys(tags))
    moved: list[str] = []
    digest = ""
    try:
        plan = _plan_layout(files)
        digest = plan.top.digest
        uploaded, skipped, sent = _push_blobs(client, plan.blobs)
        for manifest in plan.manifests:
            client.put_manifest(manifest, manifest.digest)
        for tag in tags:
            client.put_manifest(plan.top, tag)
            moved.append(tag)
    except _Failed as failed:
        problem = _with_progress(failed.problem, client.endpoint, digest, tags, moved)
        raise RegistryPushError(subject, [problem], moved) from None
    endpoint = client.endpoint
    return PushResult(endpoint.registry, endpoint.repository, digest, tags, uploaded, skipped, sent)


def _push_blobs(client: _Client, blobs: Sequence[Blob]) -> tuple[int, int, int]:
    """(uploaded, skipped, bytes uploaded): each blob the registry lacks, uploaded whole."""
    uploaded = skipped = sent = 0
    for blob in blobs:
        if client.has_blob(blob):
            skipped += 1
            continue
        client.upload_blob(blob)
        uploaded, sent = uploaded + 1, sent + blob.size
    return uploaded, skipped, sent


def _with_progress(
    problem: Problem, endpoint: _Endpoint, digest: str, tags: Sequence[str], moved: Sequence[str]
) -> Problem:
    """The problem, with the image it was pushing and which tags had moved to it."""
    image = (("Image", f"{endpoint.shown}@{digest}"),) if digest else ()
    return replace(problem, details=(*problem.details, *image, ("Tags", _tags_state(tags, moved))))


def _tags_state(tags: Sequence[str], moved: Sequence[str]) -> str:
    if not moved:
        named = ", ".join(tags) if tags else "none asked for"
        return (
            f"no tag was moved ({named}): the push stopped before the tags step, so every tag "
            "still names what it named before."
        )
    rest = [tag for tag in tags if tag not in moved]
    return (
        f"moved: {', '.join(moved)}, now naming the new image (complete in the registry); "
        f"not moved: {', '.join(rest)}. Pushing again moves the rest."
    )


# --- HTTP


@dataclass(frozen=True)
class _Response:
    status: int
    reason: str
    headers: Message
    body: bytes


class _Client:
    """HTTP(S) to one repository of a registry: auth challenges answered, refusals worded."""

    def __init__(
        self, endpoint: _Endpoint, credentials: tuple[str, str] | None, timeout: float
    ) -> None:
        self.endpoint, self.credentials, self.timeout = endpoint, credentials, timeout
        # Go's clients (docker, skopeo) never send a loopback registry through a proxy.
        proxies = [urllib.request.ProxyHandler({})] if _loopback(_host(endpoint.host)) else []
        self.opener = urllib.request.build_opener(*proxies)
        self.authorization: str | None = None

    def url(self, path: str) -> str:
        return f"{self.endpoint.base}/v2/{self.endpoint.repository}/{path}"

    def has_blob(self, blob: Blob) -> bool:
        response = self.call(
            "HEAD",
            self.url(f"blobs/{blob.digest}"),
            (200, 404),
            f"the check for blob {blob.digest}",
        )
        return response.status == 200

    def upload_blob(self, blob: Blob) -> None:
        """POST for an upload session, then one monolithic PUT of the bytes with their digest."""
        action = f"the blob {blob.digest} ({blob.media_type})"
        started = self.call("POST", self.url("blobs/uploads/"), (202,), action, data=b"")
        location = started.headers.get("Location")
        if not location:
            raise _Failed(_refused(self.endpoint, action, "POST", started, "no Location header"))
        put = self.call(
            "PUT",
            _with_digest(urljoin(self.url("blobs/uploads/"), location), blob.digest),
            (201,),
            action,
            data=blob.data,
            headers={"Content-Type": OCTET_STREAM},
        )
        self.check_digest(put, blob.digest, action)

    def put_manifest(self, manifest: Blob, reference: str) -> None:
        """PUT a manifest or index under a digest or a tag, with its media type."""
        action = (
            f"the manifest {manifest.digest}"
            if reference == manifest.digest
            else f"the tag {reference} (-> {manifest.digest})"
        )
        response = self.call(
            "PUT",
            self.url(f"manifests/{reference}"),
            (201,),
            action,
            data=manifest.data,
            headers={"Content-Type": manifest.media_type},
        )
        self.check_digest(response, manifest.digest, action)

    def check_digest(self, response: _Response, digest: str, action: str) -> None:
        """A registry that stored other bytes than ours would make the tags name another image."""
        stored = response.headers.get("Docker-Content-Digest")
        if stored and stored != digest:
            raise _Failed(_digest_mismatch(self.endpoint, action, digest, stored))

    def call(
        self,
        method: str,
        url: str,
        expect: tuple[int, ...],
        action: str,
        *,
        data: bytes | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> _Response:
        """One request, answered once more with credentials if the registry challenges it."""
        response = self.send(method, url, data, headers or {}, self.authorization_for(url))
        if response.status == 401:
            self.authenticate(response, action)
            response = self.send(method, url, data, headers or {}, self.authorization_for(url))
        if response.status in (401, 403) and response.status not in expect:
            raise _Failed(_auth_problem(self.endpoint, action, response, self.credentials))
        if response.status not in expect:
            raise _Failed(_refused(self.endpoint, action, method, response, url=url))
        return response

    def authorization_for(self, url: str) -> str | None:
        # Only to the registry itself: an upload Location may be another host (e.g. storage).
        return self.authorization if urlsplit(url).netloc == self.endpoint.host else None

    def send(
        self,
        method: str,
        url: str,
        data: bytes | None,
        headers: Mapping[str, str],
        authorization: str | None,
    ) -> _Response:
        request = urllib.request.Request(url, data=data, method=method)
        for key, value in {"User-Agent": USER_AGENT, **headers}.items():
            request.add_header(key, value)
        if authorization:
            # Unredirected: a blob HEAD may be redirected to storage that must not see it.
            request.add_unredirected_header("Authorization", authorization)
        try:
            with self.opener.open(request, timeout=self.timeout) as response:
                return _Response(
                    response.status, response.reason, response.headers, response.read()
                )
        except urllib.error.HTTPError as error:
            return _Response(error.code, str(error.reason), error.headers, _body(error))
        except (OSError, http.client.HTTPException) as error:
            raise _Failed(_unreachable(self.endpoint, url, error, self.timeout)) from None

    def authenticate(self, response: _Response, action: str) -> None:
        """Answer a 401's challenge: a Bearer token from the realm, or Basic credentials."""
        scheme, params = parse_challenge(response.headers.get("WWW-Authenticate", ""))
        if scheme == "bearer" and params.get("realm"):
            self.authorization = f"Bearer {self.token(params, action)}"
        elif scheme == "basic" and self.credentials:
            self.authorization = f"Basic {_basic(self.credentials)}"
        else:
            raise _Failed(_auth_problem(self.endpoint, action, response, self.credentials))

    def token(self, challenge: Mapping[str, str], action: str) -> str:
        """A token for pull and push on this repository (and what the challenge asked for)."""
        scopes = challenge.get("scope", "").split()
        push = f"repository:{self.endpoint.repository}:pull,push"
        query = [("service", challenge["service"])] if challenge.get("service") else []
        query += [("scope", scope) for scope in dict.fromkeys([*scopes, push])]
        realm = challenge["realm"]
        url = f"{realm}{'&' if '?' in realm else '?'}{urlencode(query)}"
        basic = f"Basic {_basic(self.credentials)}" if self.credentials else None
        response = self.send("GET", url, None, {}, basic)
        if response.status != 200:
            problem = _auth_problem(self.endpoint, action, response, self.credentials)
            raise _Failed(replace(problem, details=(("Token service", realm),)))
        try:
            document = json.loads(response.body)
            token = document.get("token") or document.get("access_token")
        except (ValueError, AttributeError):
            token = None
        if not isinstance(token, str) or not token:
            raise _Failed(_refused(self.endpoint, action, "GET", response, "no token", url=realm))
        return token


def parse_challenge(header: str) -> tuple[str, dict[str, str]]:
    """`Bearer realm="...",service="..."` -> ("bearer", {"realm": ..., "service": ...})."""
    scheme, _, rest = header.strip().partition(" ")
    pairs = re.findall(r'([A-Za-z_]+)=(?:"([^"]*)"|([^,\s]*))', rest)
    return scheme.lower(), {key.lower(): quoted or bare for key, quoted, bare in pairs}


def _with_digest(url: str, digest: str) -> str:
    """The upload URL with `digest=` added, after any query it already has (e.g. `_state`)."""
    scheme, netloc, path, query, fragment = urlsplit(url)
    added = urlencode({"digest": digest})
    return urlunsplit((scheme, netloc, path, f"{query}&{added}" if query else added, fragment))


def _basic(credentials: tuple[str, str]) -> str:
    return base64.b64encode(":".join(credentials).encode("utf-8")).decode("ascii")


def _body(error: urllib.error.HTTPError) -> bytes:
    try:
        return error.read()
    except (OSError, http.client.HTTPException):
        return b""


# --- the problems


def _layout_problem(what: str) -> Problem:
    return Problem(
        f"The image layout can't be pushed: {what}.",
        "A push sends exactly the blobs the layout's manifests name, each checked against its "
        "digest; a registry would refuse an incomplete or changed image.",
        "Rebuild the image with `pants package` and push the layout it writes, unchanged.",
    )


def _unreachable(endpoint: _Endpoint, url: str, error: BaseException, timeout: float) -> Problem:
    reason = error.reason if isinstance(error, urllib.error.URLError) else error
    host = urlsplit(url).netloc
    if isinstance(reason, ssl.SSLError):
        return _tls_problem(endpoint, host, reason)
    if isinstance(reason, ConnectionRefusedError):
        said = "refused the connection: nothing listens there"
    elif isinstance(reason, socket.gaierror):
        said = f"has a host name that does not resolve ({reason.strerror or reason})"
    elif isinstance(reason, (socket.timeout, TimeoutError)):
        said = f"did not answer within {timeout:g} s"
    else:
        said = f"could not be reached ({reason.__class__.__name__}: {reason})"
    return Problem(
        f"The registry {host} {said}.",
        f"The image is pushed to {endpoint.shown} over {urlsplit(url).scheme}.",
        f"Start the registry, or fix the registry host:port in the image's `repository` field "
        f"(now {endpoint.registry}).",
    )


def _tls_problem(endpoint: _Endpoint, host: str, reason: ssl.SSLError) -> Problem:
    detail = getattr(reason, "verify_message", "") or reason.reason or str(reason)
    return Problem(
        f"TLS with the registry {host} failed ({detail}).",
        "The image is pushed over HTTPS unless the registry is on loopback or listed as an "
        "insecure registry; an unverified certificate could let another host take the push.",
        "If the registry has a private CA, add it to the system's trust store "
        "(update-ca-certificates); if it serves plain HTTP, list it as an insecure registry.",
    )


def _refused(
    endpoint: _Endpoint,
    action: str,
    method: str,
    response: _Response,
    note: str = "",
    *,
    url: str = "",
) -> Problem:
    """A registry's answer other than the one expected, quoting its error codes and messages."""
    errors = _registry_errors(response.body)
    said = "; ".join(f"{code}: {message}" for code, message in errors)
    said = said or note or _text(response) or "no details"
    codes = {code for code, _ in errors}
    return Problem(
        f"The registry {endpoint.registry} refused {action} "
        f"(HTTP {response.status} {response.reason}: {said}).",
        _refusal_why(response.status, codes),
        _refusal_fix(endpoint, response.status, codes),
        (("Request", f"{method} {url or endpoint.base}"),),
    )


def _refusal_why(status: int, codes: set[str]) -> str:
    if codes & NAME_CODES or (status == 404 and not codes):
        return "The registry does not accept this repository name, or has no such repository."
    if any(code.startswith(("MANIFEST_", "BLOB_", "DIGEST_", "SIZE_")) for code in codes):
        return "The registry checks every blob and manifest it stores; it found one wrong."
    if status == 405 or "UNSUPPORTED" in codes:
        return "The registry does not take pushes there: it may be read-only, a mirror or a cache."
    if status >= 500:
        return "The registry failed while storing it: an error on its side, not in the image."
    return "Every blob, manifest and tag of the image must be stored for the push to complete."


def _refusal_fix(endpoint: _Endpoint, status: int, codes: set[str]) -> str:
    if codes & AUTH_CODES:
        return _login_fix(endpoint)
    if codes & NAME_CODES or (status == 404 and not codes):
        return (
            f"Check the image's `repository` field ({endpoint.shown}): the path must be valid and "
            "creatable on that registry (e.g. under a namespace you may push to), and the host "
            "an OCI registry."
        )
    if "TOOMANYREQUESTS" in codes:
        return "Wait and push again: the registry limits the request rate."
    if status == 405 or "UNSUPPORTED" in codes:
        return (
            f"Point the image's `repository` field ({endpoint.shown}) at a registry that accepts "
            "pushes, or ask its operators to make it writable."
        )
    if status >= 500 and not any(code.startswith("MANIFEST_") for code in codes):
        return (
            "The registry's own log says why; push again once it is fixed: the blobs it already "
            "holds are skipped."
        )
    return (
        "Rebuild the image with `pants package` and push again; if the registry still refuses "
        "it, its log says why (some registries accept only some media types or fields)."
    )


def _auth_problem(
    endpoint: _Endpoint, action: str, response: _Response, credentials: tuple[str, str] | None
) -> Problem:
    errors = _registry_errors(response.body)
    said = "; ".join(f"{code}: {message}" for code, message in errors) or _text(response)
    verb = "denied" if response.status == 403 else "asked for credentials for"
    given = " (with the credentials given)" if credentials else " (no credentials were given)"
    return Problem(
        f"The registry {endpoint.registry} {verb} {action}{given}: HTTP {response.status} "
        f"{response.reason}{': ' + said if said else ''}.",
        f"Pushing to {endpoint.shown} needs an account that may push there.",
        _login_fix(endpoint),
    )


def _login_fix(endpoint: _Endpoint) -> str:
    return (
        f"Run `docker login {endpoint.registry}` (go_static reads the `auth` entries of "
        "~/.docker/config.json, or $DOCKER_CONFIG's; credential helpers are not run), or pass "
        "credentials for it; check that the account may push to the repository."
    )


def _digest_mismatch(endpoint: _Endpoint, action: str, ours: str, stored: str) -> Problem:
    return Problem(
        f"The registry {endpoint.registry} stored {action} under the digest {stored}, not {ours}.",
        "A digest names exact bytes: a registry that changes them would make the tags name "
        "something other than the image that was built.",
        "Push to a registry that stores OCI manifests and blobs as sent (e.g. the CNCF "
        "distribution registry, Harbor, GHCR), or ask its operators why it rewrote them.",
    )


def _docker_config_problem(path: Path, error: BaseException) -> Problem:
    return Problem(
        f"{path} can't be read as a Docker config ({error}).",
        "Registry credentials are read from its `auths` entries.",
        f"Fix or remove {path}, or log in again with `docker login`.",
    )


def _registry_errors(body: bytes) -> list[tuple[str, str]]:
    """The `{"errors": [{"code", "message"}]}` of a registry's answer; empty if it has none."""
    try:
        errors = json.loads(body).get("errors") or []
        found = [(str(e.get("code", "")), _message(e)) for e in errors]
    except (ValueError, AttributeError, TypeError):
        return []
    return list(dict.fromkeys(found))  # distribution repeats an error once per cause


def _message(error: Mapping[str, Any]) -> str:
    """The message, with the detail when it is a short string (e.g. the digest it is about)."""
    message, detail = str(error.get("message", "")), error.get("detail")
    return f"{message} ({detail})" if isinstance(detail, str) and len(detail) < 200 else message


def _text(response: _Response) -> str:
    """The start of a body that is not a registry error, e.g. a proxy's or router's 404 page."""
    text = response.body.decode("utf-8", "replace").strip()
    return " ".join(text.split())[:200]

"""Push an OCI image layout to a registry with crane (go_static.core.oci.crane), tags last.

Pants-free. The plan is ours: the layout is read and checked against its digests, then crane
pushes every blob and manifest under the top digest, and only then is each tag pointed at it, so
a push that stops early leaves every tag where it was. crane brings the registry protocol:
docker's credentials (`auths`, `credHelpers`, `credsStore` in $DOCKER_CONFIG/config.json), TLS
(with `SSL_CERT_FILE`/`SSL_CERT_DIR` for a private CA), chunked uploads and retries. What it
prints is read with a cap, scrubbed of anything credential-like, and worded as a Problem; the
whole push has one deadline, after which crane is killed.
"""

from __future__ import annotations

import ipaddress
import json
import os
import re
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Collection, Mapping, Sequence

from go_static.core.errors import GoStaticError, Problem, render_problems
from go_static.core.oci.crane import PLAIN_HTTP_CREDENTIALS_ENV
from go_static.core.oci.descriptor import Blob, Descriptor
from go_static.core.oci.docker_config import docker_config_problems
from go_static.core.oci.image import INDEX_MEDIA_TYPE
from go_static.core.oci.push_problems import (
    DEADLINE_MARK,
    DEADLINE_WHAT,
    crane_problem,
    digest_mismatch,
    no_crane_problem,
)
from go_static.core.oci.reference import references_for, split_registry

# Seconds one image's push may take in all: `[go-static-publish].timeout`'s default.
DEFAULT_DEADLINE = 600
# A tag check after a failed push gets at most this long, even past the deadline.
AFTER_CHECK_SECONDS = 30.0
SHA256_HEX = re.compile(r"[0-9a-f]{64}")
# How much of crane's output is read: enough for any error line, bounded whatever it prints.
OUTPUT_CAP = 64 * 1024


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
    """What one push did: the image's digest, and for each tag whether it moved to it."""

    registry: str  # as the name has it: "127.0.0.1:5000", "docker.io"
    repository: str
    digest: str  # the top manifest's or index's
    tags: tuple[str, ...]
    moved: tuple[str, ...]  # tags that named something else (or nothing) before
    already: tuple[str, ...]  # tags that already named this image
    blobs_sent: int  # config and layer blobs, as crane logged them
    blobs_existing: int  # already in the registry
    image_existed: bool  # the registry held the whole image already: nothing was sent

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
    layout: Path,
    name: str,
    tags: Sequence[str] = (),
    *,
    crane: str,
    subject: str = "",
    insecure_registries: Collection[str] = (),
    deadline: float = DEFAULT_DEADLINE,
    environ: Mapping[str, str] = os.environ,
) -> PushResult:
    """Push the layout directory to `name` ([registry/]path) with crane, then each tag."""
    references_for([name], tags, subject=subject)  # the grammar, before any request is made
    tags = tuple(dict.fromkeys(tags))
    try:
        plan = _plan_layout(read_layout(layout))
    except _Failed as failed:
        raise RegistryPushError(subject, [failed.problem]) from None
    problems = docker_config_problems(environ)
    if problems:
        raise RegistryPushError(subject, problems)
    with tempfile.TemporaryDirectory(prefix="go-static-push-") as view:
        return _push(
            _one_image_view(layout, plan.top, Path(view)),
            name,
            tags,
            plan.top.digest,
            crane=crane,
            subject=subject,
            insecure_registries=insecure_registries,
            deadline=deadline,
            environ=environ,
        )


def _one_image_view(layout: Path, top: Blob, view: Path) -> Path:
    """The layout as crane reads it: index.json naming only the top image (a layout may name it
    once per tag), the blobs by symlink."""
    (view / "oci-layout").write_bytes((layout / "oci-layout").read_bytes())
    entry = {"mediaType": top.media_type, "digest": top.digest, "size": top.size}
    index = {"schemaVersion": 2, "mediaType": INDEX_MEDIA_TYPE, "manifests": [entry]}
    (view / "index.json").write_text(json.dumps(index))
    (view / "blobs").symlink_to((layout / "blobs").resolve())
    return view


def _push(
    layout: Path,
    name: str,
    tags: Sequence[str],
    digest: str,
    *,
    crane: str,
    subject: str,
    insecure_registries: Collection[str],
    deadline: float,
    environ: Mapping[str, str],
) -> PushResult:
    """Each tag's digest before, the image by digest, the tags, each tag's digest after."""
    registry, repository = split_registry(name)
    runner = _Crane(crane, name, registry, insecure_registries, deadline, environ)
    before: dict[str, str | None] = {}
    accepted: list[str] = []
    in_flight = ""  # the tag being set, if crane is setting one
    try:
        for tag in tags:
            before[tag] = runner.digest(tag)
        log = runner.run(
            ["push", str(layout), f"{name}@{digest}"], "the image's blobs and manifests"
        )
        for tag in tags:
            in_flight = tag
            runner.run(["tag", f"{name}@{digest}", tag], f"the tag {tag} (-> {digest})")
            accepted.append(tag)
            in_flight = ""
    except _Failed as failed:
        raise _stopped(
            subject, failed.problem, runner, name, digest, tags, before, accepted, in_flight
        ) from None
    try:
        after = {tag: runner.digest(tag, after=True) for tag in tags}
    except _Failed as failed:
        # Every tag was accepted; only the check after failed.
        image = (("Image", f"{name}@{digest}"),)
        problem = replace(failed.problem, details=(*failed.problem.details, *image))
        raise RegistryPushError(subject, [_with_tags(problem, tags, accepted)], accepted) from None
    astray = {tag: found for tag, found in after.items() if found != digest}
    if astray:
        problem = digest_mismatch(registry, name, digest, astray)
        raise RegistryPushError(subject, [_with_tags(problem, tags, accepted)], accepted)
    moved = tuple(tag for tag in tags if before.get(tag) != digest)
    already = tuple(tag for tag in tags if before.get(tag) == digest)
    sent, existing = (len(re.findall(rf"\b{word} blob: sha256:", log)) for word in _BLOB_LOG)
    existed = f"existing manifest: {digest}" in log
    return PushResult(registry, repository, digest, tags, moved, already, sent, existing, existed)


# What crane logs per blob (go-containerregistry's remote.Write progress lines).
_BLOB_LOG = ("pushed", "existing")


def _stopped(
    subject: str,
    problem: Problem,
    runner: "_Crane",
    name: str,
    digest: str,
    tags: Sequence[str],
    before: Mapping[str, str | None],
    accepted: Sequence[str],
    in_flight: str,
) -> RegistryPushError:
    """The error of a push that stopped: which tags the registry took, and which now name it."""
    # After a deadline the registry is not asked again: it would only stall the report.
    pending = (
        []
        if problem.what.startswith(DEADLINE_WHAT)
        else [tag for tag in tags if tag not in accepted and tag in before]
    )
    named = []
    for tag in pending:
        try:
            if runner.digest(tag, after=True) == digest and before[tag] != digest:
                named.append(tag)
        except _Failed:
            break
    moved = [*accepted, *named]
    image = (("Image", f"{name}@{digest}"),)
    problem = replace(problem, details=(*problem.details, *image))
    problem = _with_tags(problem, tags, moved)
    if in_flight and in_flight not in moved and not pending:
        # Cut off while crane set it: the registry may have taken it; nobody could ask.
        unsure = f" The tag {in_flight} was being set when the push stopped: it may have moved."
        problem = replace(
            problem,
            details=tuple((k, v + unsure if k == "Tags" else v) for k, v in problem.details),
        )
    return RegistryPushError(subject, [problem], moved)


def _with_tags(problem: Problem, tags: Sequence[str], moved: Sequence[str]) -> Problem:
    return replace(problem, details=(*problem.details, ("Tags", _tags_state(tags, moved))))


def _tags_state(tags: Sequence[str], moved: Sequence[str]) -> str:
    if not tags:
        return "none asked for."
    if not moved:
        return f"no tag was moved ({', '.join(tags)}): every tag still names what it named before."
    rest = [tag for tag in tags if tag not in moved]
    state = f"moved: {', '.join(moved)} (the registry accepted them for the new image)"
    return state + (
        f"; not moved: {', '.join(rest)}. Pushing again moves the rest." if rest else "."
    )


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


def plain_http_credentials(registry: str, insecure_registries: Collection[str]) -> bool:
    """Whether the user listed the registry (host:port, or its host) as insecure."""
    return registry in insecure_registries or _host(registry) in insecure_registries


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


# --- running crane


class _Crane:
    """crane, run against one repository, within one deadline, its output read with a cap."""

    def __init__(
        self,
        path: str,
        name: str,
        registry: str,
        insecure_registries: Collection[str],
        deadline: float,
        environ: Mapping[str, str],
    ) -> None:
        self.path, self.name, self.registry = path, name, registry
        self.deadline, self.ends = deadline, time.monotonic() + deadline
        listed = plain_http_credentials(registry, insecure_registries)
        # --insecure also skips TLS verification: only for registries the user listed.
        self.flags = ["--insecure"] if listed else []
        self.env = {
            **environ,
            PLAIN_HTTP_CREDENTIALS_ENV: registry if listed else "",
        }
        if _loopback(_host(registry)):
            # Go's clients never send a loopback registry through a proxy.
            no_proxy = ",".join(filter(None, [environ.get("NO_PROXY", ""), _host(registry)]))
            self.env["NO_PROXY"] = self.env["no_proxy"] = no_proxy

    def digest(self, tag: str, *, after: bool = False) -> str | None:
        """The digest the registry names for the tag, or None if it has no such tag."""
        action = f"the check of the tag {tag}"
        code, out, err = self.call(["digest", f"{self.name}:{tag}"], after=after)
        if code == 0:
            found = out.strip()
            return found if re.fullmatch(r"sha256:[0-9a-f]{64}", found) else f"? ({found[:80]})"
        if re.search(r"MANIFEST_UNKNOWN|NAME_UNKNOWN|NOT_FOUND|\b404\b", err):
            return None
        raise _Failed(crane_problem(self.registry, self.name, action, err, self.deadline))

    def run(self, args: Sequence[str], action: str) -> str:
        """crane's log (stderr) of a command that worked."""
        code, _, err = self.call(args)
        if code != 0:
            raise _Failed(crane_problem(self.registry, self.name, action, err, self.deadline))
        return err

    def call(self, args: Sequence[str], *, after: bool = False) -> tuple[int, str, str]:
        """(exit status, stdout, stderr), each read up to OUTPUT_CAP; past the deadline, killed."""
        left = self.ends - time.monotonic()
        if after:
            # The tags' state is worth a few seconds past the deadline: the report depends on it.
            left = max(left, min(AFTER_CHECK_SECONDS, self.deadline))
        if left <= 0:
            return 124, "", DEADLINE_MARK
        with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
            try:
                process = subprocess.Popen(
                    [self.path, *self.flags, *args],
                    stdin=subprocess.DEVNULL,
                    stdout=out,
                    stderr=err,
                    env=self.env,
                    start_new_session=True,
                )
            except OSError as error:
                raise _Failed(no_crane_problem(self.path, error)) from None
            try:
                code = process.wait(timeout=left)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
                return 124, "", DEADLINE_MARK
            return code, _tail(out), _tail(err)


def _tail(file: Any) -> str:
    """The last OUTPUT_CAP bytes of what crane wrote (its error is its last line)."""
    size = file.seek(0, os.SEEK_END)
    file.seek(max(0, size - OUTPUT_CAP))
    return file.read(OUTPUT_CAP).decode("utf-8", "replace")


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


def _layout_problem(what: str) -> Problem:
    return Problem(
        f"The image layout can't be pushed: {what}.",
        "A push sends exactly the blobs the layout's manifests name, each checked against its "
        "digest; a registry would refuse an incomplete or changed image.",
        "Rebuild the image with `pants package` and push the layout it writes, unchanged.",
    )

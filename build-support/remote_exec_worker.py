"""A minimal REAPI worker for BuildGrid's Bots API, started by build-support/remote-exec.

Dev/test infrastructure, NOT for production. It exists because no packaged worker (buildbox-worker,
bb_worker, NativeLink) installs on the machines these tests run on. It has no auth, no TLS, no
resource limits, no input-size limits and no cache eviction.

It runs on BuildGrid's venv (build-support/remote-cache-requirements.txt), whose grpcio and
generated protos it uses. One process is one bot and takes up to --capacity leases at once. It
treats every Action as hostile. For each lease it:

1. checks the Command: the working directory and every output path must be relative, without
   `..`. Then it fetches the input root from the CAS and checks every node name is one path
   component (not empty, `.`, `..`, nor containing `/`), before writing anything. A refused
   Action completes with INVALID_ARGUMENT naming the path. Files come from a local mirror of the
   CAS (--blob-cache), shared by the host's workers: root's, read-only, each checked against its
   digest before its first use and again whenever its inode, size, mtime, owner or mode changed
   (a wrong copy is fetched again). They are hardlinked into a fresh directory, which belongs to
   the action's user; directories for the outputs are made without following symlinks;
2. runs the Command's argv under bubblewrap with exactly the Command's environment and working
   directory, as uid/gid 65534 (nobody) when the worker is root, in a user namespace, with all
   capabilities dropped. The root is its own: read-only /usr (with an empty /usr/local over it)
   and the usrmerge links, only the parts of /etc that go, zig, gcc and TLS read (ETC_ENTRIES)
   plus a generated passwd and group, a tmpfs /tmp, /proc, /dev, the input root read-write at
   /execroot, and this worker's append-only caches dir (--named-caches) at --named-caches-mount.
   Nothing else of the host is there (not /work, /root, /opt, /usr/local, /etc/shadow or the
   host's /tmp), unless --ro-bind adds it. It has no network: a network namespace with only
   loopback. A Command whose environment carries NETWORK_MARKER (go_static sets it on `go list`
   and the module downloads; Pants 2.17 can't send platform properties per process) gets a
   network through slirp4netns with --disable-host-loopback: it reaches the internet, not the
   host's 127.0.0.1 (BuildGrid, PostgreSQL, a local registry). A host service that listens on
   another of the host's addresses is reachable from those steps;
3. honours the Action's timeout (DEADLINE_EXCEEDED), uploads stdout, stderr and the outputs
   (output_paths, or output_files and output_directories) and completes the lease with an
   ActionResult, which BuildGrid stores in its action cache. Outputs are read after the sandbox's
   pid namespace is gone, never through a symlink: an output that is a symlink, or a symlink in an
   output directory, is returned as a symlink (its target as text), and an output under a
   symlinked directory is missing.

A lost server is retried with backoff. SIGTERM kills running actions and hands their leases back
as UNAVAILABLE, which BuildGrid requeues at once. A killed worker's leases are requeued when its
bot session expires (BuildGrid's bot-session-keepalive-timeout).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import os
import platform
import select
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Callable, Iterable, Iterator

import grpc
from buildgrid._protos.build.bazel.remote.execution.v2 import remote_execution_pb2 as re_pb2
from buildgrid._protos.build.bazel.remote.execution.v2 import remote_execution_pb2_grpc as re_grpc
from buildgrid._protos.google.bytestream import bytestream_pb2, bytestream_pb2_grpc
from buildgrid._protos.google.devtools.remoteworkers.v1test2 import (
    bots_pb2,
    bots_pb2_grpc,
    worker_pb2,
)
from buildgrid._protos.google.rpc import code_pb2, error_details_pb2, status_pb2

LOG = logging.getLogger("remote-exec-worker")

SANDBOX_ROOT = "/execroot"
NOBODY = 65534  # the uid and gid actions run as, when the worker is root
# A Command whose environment has this (set by go_static on `go list` and the module downloads)
# gets a network of its own, through slirp4netns, that can't reach the host's loopback.
NETWORK_MARKER = ("__GO_STATIC_NETWORK", "1")
# What of the host's /etc an action sees: what go, zig, gcc and the download steps read (TLS
# roots, name resolution, the dynamic loader's cache, Debian's alternatives links). No shadow,
# no ssh or registry credentials, no service configuration. passwd and group are generated.
ETC_ENTRIES = (
    "alternatives",
    "ca-certificates",
    "ca-certificates.conf",
    "gai.conf",
    "host.conf",
    "hosts",
    "ld.so.cache",
    "ld.so.conf",
    "ld.so.conf.d",
    "localtime",
    "nsswitch.conf",
    "protocols",
    "services",
    "ssl",
)
# slirp4netns' DNS forwarder, which the sandbox reaches on its own network.
SLIRP_RESOLV_CONF = "nameserver 10.0.2.3\n"
CHUNK = 1024 * 1024  # ByteStream chunk, and the largest blob sent in a batch
BATCH_BYTES = 3 * 1024 * 1024  # BuildGrid refuses batches over 4 MiB - 1 KiB
BATCH_COUNT = 500
CHANNEL_OPTIONS = [
    ("grpc.max_receive_message_length", 64 * 1024 * 1024),
    ("grpc.max_send_message_length", 64 * 1024 * 1024),
]
# A lost connection or an overloaded server: retry the same call later.
TRANSIENT = {
    grpc.StatusCode.UNAVAILABLE,
    grpc.StatusCode.DEADLINE_EXCEEDED,
    grpc.StatusCode.RESOURCE_EXHAUSTED,
    grpc.StatusCode.CANCELLED,
    grpc.StatusCode.UNKNOWN,
    grpc.StatusCode.INTERNAL,
}


def digest_of(data: bytes) -> re_pb2.Digest:
    return re_pb2.Digest(hash=hashlib.sha256(data).hexdigest(), size_bytes=len(data))


def open_nofollow(path: str):
    """The regular file at path, never through a symlink in its last component."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise OSError(f"{path} is not a regular file")
    return os.fdopen(fd, "rb")


def digest_of_file(path: str) -> re_pb2.Digest:
    h, size = hashlib.sha256(), 0
    with open_nofollow(path) as f:
        while chunk := f.read(CHUNK):
            h.update(chunk)
            size += len(chunk)
    return re_pb2.Digest(hash=h.hexdigest(), size_bytes=size)


def message_digest(message) -> tuple[re_pb2.Digest, bytes]:
    data = message.SerializeToString(deterministic=True)
    return digest_of(data), data


class InvalidAction(Exception):
    """The Action can't be run as given (a path that leaves the execroot): INVALID_ARGUMENT."""


def check_node_name(name: str, where: str) -> None:
    """A Directory node's name is one path component (REAPI), nothing that leaves its parent."""
    if name in ("", ".", "..") or "/" in name or "\0" in name:
        raise InvalidAction(
            f"input root: {where}: node name {name!r} is not a single path component"
        )


def check_relative_path(path: str, what: str, empty_ok: bool = False) -> None:
    """An output path or working directory: relative, inside the execroot, no `..`."""
    parts = path.split("/")
    if (
        (not path and not empty_ok)
        or path.startswith("/")
        or "\0" in path
        or ".." in parts
        or (path and any(p in ("", ".") for p in parts[:-1]))
    ):
        raise InvalidAction(f"{what} {path!r} must be a relative path inside the execroot")


def walk_dirs(root: str, rel: str, create: bool, owner: int | None = None) -> str | None:
    """root/rel, whose every component is a real directory (never a symlink), made if create.

    None if a component is missing (and not create) or isn't a directory. InvalidAction if
    create meets a symlink or a file: the path would lead out of the execroot or through a file.
    """
    path = root
    for part in [p for p in rel.split("/") if p not in ("", ".")]:
        path = os.path.join(path, part)
        try:
            st = os.lstat(path)
        except FileNotFoundError:
            if not create:
                return None
            os.mkdir(path)
            if owner is not None:
                os.chown(path, owner, owner)
            continue
        if not stat.S_ISDIR(st.st_mode):
            if create:
                raise InvalidAction(
                    f"{rel!r} passes through {path[len(root) + 1 :]!r}, not a directory"
                )
            return None
    return path


class MissingBlobs(Exception):
    def __init__(self, digests: Iterable[re_pb2.Digest]):
        self.digests = list(digests)
        super().__init__(", ".join(f"{d.hash}/{d.size_bytes}" for d in self.digests))


@dataclass
class Blob:
    """Something to upload: bytes in memory or a file on disk."""

    digest: re_pb2.Digest
    data: bytes | None = None
    path: str | None = None

    def chunks(self) -> Iterator[bytes]:
        if self.data is not None:
            for i in range(0, max(len(self.data), 1), CHUNK):
                yield self.data[i : i + CHUNK]
            return
        assert self.path is not None
        with open_nofollow(self.path) as f:
            while chunk := f.read(CHUNK):
                yield chunk

    def read(self) -> bytes:
        return self.data if self.data is not None else b"".join(self.chunks())


class Cas:
    """The CAS and ByteStream calls a worker or a client needs, for one instance."""

    def __init__(self, channel: grpc.Channel, instance: str):
        self.instance = instance
        self.cas = re_grpc.ContentAddressableStorageStub(channel)
        self.bytestream = bytestream_pb2_grpc.ByteStreamStub(channel)

    def _resource(self, digest: re_pb2.Digest, upload: bool = False) -> str:
        parts = [self.instance] if self.instance else []
        if upload:
            parts += ["uploads", str(uuid.uuid4())]
        return "/".join([*parts, "blobs", digest.hash, str(digest.size_bytes)])

    def read_blobs(self, digests: Iterable[re_pb2.Digest]) -> dict[str, bytes]:
        """Blobs by hash, in memory; big ones through ByteStream. MissingBlobs if any is absent."""
        wanted = {d.hash: d for d in digests}
        found = {h: b"" for h, d in wanted.items() if d.size_bytes == 0}
        small = [d for h, d in wanted.items() if 0 < d.size_bytes <= CHUNK]
        missing = []
        for batch in _batches(small):
            request = re_pb2.BatchReadBlobsRequest(instance_name=self.instance, digests=batch)
            for response in self.cas.BatchReadBlobs(request, timeout=120).responses:
                if response.status.code == code_pb2.OK:
                    found[response.digest.hash] = response.data
                elif response.status.code == code_pb2.NOT_FOUND:
                    missing.append(response.digest)
                else:
                    raise RuntimeError(f"BatchReadBlobs: {response.status.message}")
        for d in wanted.values():
            if d.size_bytes > CHUNK:
                try:
                    found[d.hash] = b"".join(self._read_stream(d))
                except MissingBlobs:
                    missing.append(d)
        if missing:
            raise MissingBlobs(missing)
        return found

    def read_message(self, digest: re_pb2.Digest, message_type):
        message = message_type()
        message.ParseFromString(self.read_blobs([digest])[digest.hash])
        return message

    def read_to_file(self, digest: re_pb2.Digest, path: str) -> None:
        with open(path, "wb") as f:
            for chunk in self._read_stream(digest):
                f.write(chunk)

    def _read_stream(self, digest: re_pb2.Digest) -> Iterator[bytes]:
        request = bytestream_pb2.ReadRequest(resource_name=self._resource(digest))
        try:
            for response in self.bytestream.Read(request, timeout=600):
                yield response.data
        except grpc.RpcError as e:
            if e.code() == grpc.StatusCode.NOT_FOUND:
                raise MissingBlobs([digest]) from None
            raise

    def find_missing(self, digests: Iterable[re_pb2.Digest]) -> set[str]:
        unique = list({d.hash: d for d in digests}.values())
        missing: set[str] = set()
        for i in range(0, len(unique), 1000):
            request = re_pb2.FindMissingBlobsRequest(
                instance_name=self.instance, blob_digests=unique[i : i + 1000]
            )
            response = self.cas.FindMissingBlobs(request, timeout=60)
            missing.update(d.hash for d in response.missing_blob_digests)
        return missing

    def upload(self, blobs: Iterable[Blob]) -> None:
        """Uploads what the CAS lacks: small blobs in batches, big ones through ByteStream."""
        by_hash = {b.digest.hash: b for b in blobs}
        missing = self.find_missing(b.digest for b in by_hash.values())
        todo = [by_hash[h] for h in missing]
        small = [b for b in todo if b.digest.size_bytes <= CHUNK]
        for batch in _batches([b.digest for b in small]):
            request = re_pb2.BatchUpdateBlobsRequest(instance_name=self.instance)
            for d in batch:
                request.requests.add(digest=d, data=by_hash[d.hash].read())
            for response in self.cas.BatchUpdateBlobs(request, timeout=120).responses:
                if response.status.code != code_pb2.OK:
                    raise RuntimeError(f"BatchUpdateBlobs: {response.status.message}")
        for blob in todo:
            if blob.digest.size_bytes > CHUNK:
                self._write_stream(blob)

    def _write_stream(self, blob: Blob) -> None:
        resource = self._resource(blob.digest, upload=True)

        def requests() -> Iterator[bytestream_pb2.WriteRequest]:
            offset = 0
            for chunk in blob.chunks():
                yield bytestream_pb2.WriteRequest(
                    resource_name=resource if offset == 0 else "",
                    write_offset=offset,
                    data=chunk,
                    finish_write=offset + len(chunk) >= blob.digest.size_bytes,
                )
                offset += len(chunk)

        self.bytestream.Write(requests(), timeout=600)


def _batches(digests: list[re_pb2.Digest]) -> Iterator[list[re_pb2.Digest]]:
    batch: list[re_pb2.Digest] = []
    size = 0
    for d in digests:
        if batch and (size + d.size_bytes > BATCH_BYTES or len(batch) >= BATCH_COUNT):
            yield batch
            batch, size = [], 0
        batch.append(d)
        size += d.size_bytes
    if batch:
        yield batch


class BlobCache:
    """A local mirror of CAS files, hardlinked into sandboxes, shared by the workers of a host.

    Files belong to the worker's user (root) and are read-only; actions run as nobody, so they can
    neither write nor chmod them, only unlink their own links. Not as root, files are copied. A
    file is checked against its digest (sha256 and size) before its first use by this process, and
    again whenever its inode, size, mtime, owner or mode changed since: a tampered or truncated
    copy is fetched again from the CAS, never handed to an action.
    """

    def __init__(self, root: str, cas: Cas):
        self.root = root
        self.cas = cas
        self.link = os.geteuid() == 0
        self.uid = os.geteuid()
        self.verified: dict[str, tuple[int, ...]] = {}
        self.lock = threading.Lock()
        os.makedirs(root, exist_ok=True)

    def path(self, digest: re_pb2.Digest, executable: bool) -> str:
        return os.path.join(self.root, digest.hash[:2], digest.hash + ("-x" if executable else ""))

    def _good(self, digest: re_pb2.Digest, executable: bool) -> bool:
        path = self.path(digest, executable)
        try:
            st = os.lstat(path)
        except FileNotFoundError:
            return False
        key = (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_uid, st.st_mode)
        with self.lock:
            if self.verified.get(path) == key:
                return True
        mode = 0o555 if executable else 0o444
        good = (
            stat.S_ISREG(st.st_mode)
            and stat.S_IMODE(st.st_mode) == mode
            and st.st_uid == self.uid
            and st.st_size == digest.size_bytes
        )
        if good:
            try:
                good = digest_of_file(path) == digest
            except OSError:
                good = False
        if not good:
            LOG.warning("blob cache: %s does not match its digest; fetching it again", path)
            return False
        with self.lock:
            self.verified[path] = key
        return True

    def ensure(self, files: Iterable[tuple[re_pb2.Digest, bool]]) -> None:
        wanted = {(d.hash, x): d for d, x in files}
        absent = {k: d for k, d in wanted.items() if not self._good(d, k[1])}
        by_hash = {d.hash: d for d in absent.values()}
        small = [d for d in by_hash.values() if d.size_bytes <= CHUNK]
        for batch in _batches(small):
            contents = self.cas.read_blobs(batch)
            for (h, executable), d in absent.items():
                if h in contents:
                    self._store(d, executable, lambda f, data=contents[h]: f.write(data))
        for (h, executable), d in absent.items():
            if d.size_bytes > CHUNK:
                self._store(d, executable, lambda f, d=d: self._stream_into(d, f))

    def _stream_into(self, digest: re_pb2.Digest, f) -> None:
        for chunk in self.cas._read_stream(digest):
            f.write(chunk)

    def _store(self, digest: re_pb2.Digest, executable: bool, write: Callable) -> None:
        final = self.path(digest, executable)
        os.makedirs(os.path.dirname(final), exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=os.path.dirname(final), prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as f:
                write(f)
            if digest_of_file(tmp) != digest:  # the CAS, or the wire, gave other bytes
                raise RuntimeError(f"the CAS returned other bytes for {digest.hash}")
            os.chmod(tmp, 0o555 if executable else 0o444)
            os.replace(tmp, final)
            st = os.lstat(final)
            with self.lock:
                self.verified[final] = (
                    st.st_dev,
                    st.st_ino,
                    st.st_size,
                    st.st_mtime_ns,
                    st.st_uid,
                    st.st_mode,
                )
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise

    def place(self, digest: re_pb2.Digest, executable: bool, dest: str) -> None:
        source = self.path(digest, executable)
        if self.link:
            try:
                os.link(source, dest)
                return
            except OSError:  # another filesystem, or too many links
                pass
        shutil.copyfile(source, dest)
        os.chmod(dest, 0o755 if executable else 0o644)


# Directory messages by digest: content-addressed, so never stale. A toolchain input is the same
# few thousand directories in every action; reading them from the CAS each time cost seconds.
_DIRECTORIES: dict[str, re_pb2.Directory] = {}
_MAX_DIRECTORIES = 500_000


def materialize(
    cas: Cas, cache: BlobCache, root_digest: re_pb2.Digest, dest: str, owner: int | None = None
) -> None:
    """Writes the input root into dest (which exists): directories (owned by owner), files,
    symlinks. InvalidAction, before anything is written, if a node's name is not a single path
    component, appears twice in a directory, or a directory contains itself."""
    if len(_DIRECTORIES) > _MAX_DIRECTORIES:
        _DIRECTORIES.clear()
    directories: dict[str, re_pb2.Directory] = {}
    level = [root_digest]
    while level:
        todo = {d.hash: d for d in level if d.hash not in directories}
        known = {h: _DIRECTORIES[h] for h in todo if h in _DIRECTORIES}
        blobs = cas.read_blobs(d for h, d in todo.items() if h not in known)
        for h, data in blobs.items():
            directory = re_pb2.Directory()
            directory.ParseFromString(data)
            known[h] = directory
        level = []
        for h, directory in known.items():
            names = [
                n.name for n in (*directory.files, *directory.directories, *directory.symlinks)
            ]
            for name in names:
                check_node_name(name, f"directory {h}")
            if len(set(names)) != len(names):
                raise InvalidAction(f"input root: directory {h} names a node twice")
            _DIRECTORIES[h] = directories[h] = directory
            level.extend(node.digest for node in directory.directories)
    files: list[tuple[re_pb2.Digest, bool]] = []
    for directory in directories.values():
        files.extend((f.digest, f.is_executable) for f in directory.files)
    cache.ensure(files)

    def write(directory: re_pb2.Directory, path: str, depth: int) -> None:
        if depth > 256:  # a Directory can't contain itself by digest, but a hostile CAS can lie
            raise InvalidAction("input root: directories nested over 256 deep")
        for f in directory.files:
            cache.place(f.digest, f.is_executable, os.path.join(path, f.name))
        for s in directory.symlinks:
            os.symlink(s.target, os.path.join(path, s.name))
        for d in directory.directories:
            sub = os.path.join(path, d.name)
            os.mkdir(sub)
            if owner is not None:
                os.chown(sub, owner, owner)
            write(directories[d.digest.hash], sub, depth + 1)

    write(directories[root_digest.hash], dest, 0)


class Outputs:
    """Output files and directories, as protos plus the blobs they need."""

    def __init__(self) -> None:
        self.blobs: list[Blob] = []

    def file(self, path: str) -> tuple[re_pb2.Digest, bool]:
        digest = digest_of_file(path)
        self.blobs.append(Blob(digest, path=path))
        return digest, bool(os.lstat(path).st_mode & 0o100)

    def directory(self, path: str) -> re_pb2.Digest:
        """A Tree of the directory; returns the Tree's digest."""
        children: dict[str, re_pb2.Directory] = {}
        root = self._directory(path, children)
        tree = re_pb2.Tree(root=root, children=list(children.values()))
        digest, data = message_digest(tree)
        self.blobs.append(Blob(digest, data=data))
        return digest

    def _directory(self, path: str, children: dict[str, re_pb2.Directory]) -> re_pb2.Directory:
        # Never followed: a symlink is recorded as one, whatever it points at; fifos, sockets
        # and devices are left out.
        directory = re_pb2.Directory()
        for entry in sorted(os.scandir(path), key=lambda e: e.name):
            if entry.is_symlink():
                directory.symlinks.add(name=entry.name, target=os.readlink(entry.path))
            elif entry.is_dir(follow_symlinks=False):
                sub = self._directory(entry.path, children)
                digest, data = message_digest(sub)
                children[digest.hash] = sub
                self.blobs.append(Blob(digest, data=data))
                directory.directories.add(name=entry.name, digest=digest)
            elif entry.is_file(follow_symlinks=False):
                digest, executable = self.file(entry.path)
                directory.files.add(name=entry.name, digest=digest, is_executable=executable)
        return directory


@dataclass
class Sandbox:
    """How actions are run: bubblewrap around an input root, as nobody, without the network
    unless the Command carries NETWORK_MARKER (then with slirp4netns' own network)."""

    bwrap: str
    named_caches: str | None
    named_caches_mount: str | None
    etc_dir: str  # the generated passwd, group and resolv.conf
    ro_binds: list[tuple[str, str]] = field(default_factory=list)
    run_as: int | None = None  # NOBODY when the worker is root
    slirp4netns: str | None = None

    def argv(self, root: str, working_directory: str, argv: list[str], network: bool) -> list[str]:
        args = [self.bwrap, "--unshare-all", "--die-with-parent", "--new-session"]
        args += ["--cap-drop", "ALL", "--ro-bind", "/usr", "/usr", "--tmpfs", "/usr/local"]
        for top in ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"):
            if os.path.islink(top):
                args += ["--symlink", os.readlink(top), top]
            elif os.path.isdir(top):
                args += ["--ro-bind", top, top]
        for name in ETC_ENTRIES:
            if os.path.lexists(os.path.join("/etc", name)):
                args += ["--ro-bind", os.path.join("/etc", name), os.path.join("/etc", name)]
        for name in ("passwd", "group"):
            args += ["--ro-bind", os.path.join(self.etc_dir, name), os.path.join("/etc", name)]
        if network:
            args += ["--ro-bind", os.path.join(self.etc_dir, "resolv.conf"), "/etc/resolv.conf"]
        args += ["--proc", "/proc", "--dev", "/dev"]
        args += ["--tmpfs", "/tmp", "--bind", root, SANDBOX_ROOT]
        if self.named_caches and self.named_caches_mount:
            args += ["--bind", self.named_caches, self.named_caches_mount]
        for source, dest in self.ro_binds:
            args += ["--ro-bind", source, dest]
        args += ["--chdir", os.path.join(SANDBOX_ROOT, working_directory)]
        return args

    def start(self, root, working_directory, argv, env, network, **popen) -> Running:
        """Starts argv in the sandbox; with network, holds it until slirp4netns is ready."""
        args = self.argv(root, working_directory, argv, network)
        if self.run_as is not None:
            popen.update(user=self.run_as, group=self.run_as, extra_groups=[])
        if not network:
            return Running(subprocess.Popen([*args, "--", *argv], env=env, **popen))
        if self.slirp4netns is None:
            raise RuntimeError("an action asks for the network, and slirp4netns is not installed")
        info_r, info_w = os.pipe()
        block_r, block_w = os.pipe()
        args += ["--info-fd", str(info_w), "--block-fd", str(block_r), "--", *argv]
        try:
            proc = subprocess.Popen(args, env=env, pass_fds=(info_w, block_r), **popen)
        finally:
            os.close(info_w)
            os.close(block_r)
        running = Running(proc)
        try:
            info = _read_json(info_r, timeout=30)
            pid = int(info["child-pid"])
            ready_r, ready_w = os.pipe()
            log = tempfile.TemporaryFile()
            try:
                # --disable-host-loopback: 10.0.2.2 doesn't lead to the host's 127.0.0.1, where
                # BuildGrid (no auth), the registry and PostgreSQL listen.
                running.slirp = subprocess.Popen(
                    [
                        self.slirp4netns,
                        "--configure",
                        "--mtu=65520",
                        "--disable-host-loopback",
                        f"--userns-path=/proc/{pid}/ns/user",
                        f"--ready-fd={ready_w}",
                        str(pid),
                        "tap0",
                    ],
                    pass_fds=(ready_w,),
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.DEVNULL,
                    stderr=log,
                )
            finally:
                os.close(ready_w)
                log.close()  # slirp4netns keeps its own descriptor
            ready = _read_some(ready_r, timeout=30)
            os.close(ready_r)
            if not ready:
                running.stop()
                why = "see the worker's log"
                raise RuntimeError(f"slirp4netns did not start: {why}")
            os.write(block_w, b"1")
        except BaseException:
            running.stop()
            raise
        finally:
            os.close(info_r)
            os.close(block_w)
        return running


def _read_some(fd: int, timeout: float) -> bytes:
    ready, _, _ = select.select([fd], [], [], timeout)
    return os.read(fd, 4096) if ready else b""


def _read_json(fd: int, timeout: float) -> dict:
    """bubblewrap's --info-fd document."""
    data = b""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        chunk = _read_some(fd, max(0.0, deadline - time.monotonic()))
        if not chunk:
            break
        data += chunk
        try:
            return json.loads(data)
        except ValueError:
            continue
    raise RuntimeError(f"bubblewrap did not say where its sandbox runs: {data[:200]!r}")


@dataclass
class Running:
    """A sandboxed action, and the slirp4netns that gives it a network."""

    proc: subprocess.Popen
    slirp: subprocess.Popen | None = None

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        self.end_network()

    def end_network(self) -> None:
        if self.slirp is not None and self.slirp.poll() is None:
            self.slirp.terminate()
            try:
                self.slirp.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.slirp.kill()
                self.slirp.wait()


class Cancelled(Exception):
    pass


@dataclass
class Job:
    lease: bots_pb2.Lease
    cancel: threading.Event = field(default_factory=threading.Event)
    finished: bool = False
    status: status_pb2.Status | None = None
    result: re_pb2.ActionResult | None = None

    def report(self) -> bots_pb2.Lease:
        lease = bots_pb2.Lease(id=self.lease.id, payload=self.lease.payload)
        if not self.finished:
            lease.state = bots_pb2.LeaseState.ACTIVE
            return lease
        lease.state = bots_pb2.LeaseState.COMPLETED
        lease.status.CopyFrom(self.status)
        if self.result is not None:
            lease.result.Pack(self.result)
        return lease


class Executor:
    """Runs one lease's Action and returns its ActionResult."""

    def __init__(self, name: str, cas: Cas, cache: BlobCache, sandbox: Sandbox, work_dir: str):
        self.name, self.cas, self.cache, self.sandbox = name, cas, cache, sandbox
        self.work_dir = work_dir
        self.keep_sandboxes = False
        self.seen_platforms: set[tuple[tuple[str, str], ...]] = set()

    def run(self, job: Job) -> tuple[status_pb2.Status, re_pb2.ActionResult | None]:
        meta = re_pb2.ExecutedActionMetadata(worker=self.name)
        meta.worker_start_timestamp.GetCurrentTime()
        payload = job.lease.payload
        if payload.Is(re_pb2.Action.DESCRIPTOR):
            action = re_pb2.Action()
            payload.Unpack(action)
        else:
            action_digest = re_pb2.Digest()
            payload.Unpack(action_digest)
            action = self.cas.read_message(action_digest, re_pb2.Action)
        command = self.cas.read_message(action.command_digest, re_pb2.Command)
        self._log_platform(command, action)
        check_relative_path(command.working_directory, "working_directory", empty_ok=True)
        for name in self._outputs(command):
            check_relative_path(name, "output path")
        owner = self.sandbox.run_as
        scratch = tempfile.mkdtemp(prefix="action-", dir=self.work_dir)
        try:
            root = os.path.join(scratch, "root")
            os.mkdir(root)
            if owner is not None:
                os.chown(scratch, owner, owner)
                os.chown(root, owner, owner)
            meta.input_fetch_start_timestamp.GetCurrentTime()
            materialize(self.cas, self.cache, action.input_root_digest, root, owner)
            meta.input_fetch_completed_timestamp.GetCurrentTime()
            return self._execute(job, action, command, root, scratch, meta)
        finally:
            if not self.keep_sandboxes:
                shutil.rmtree(scratch, ignore_errors=True)

    @staticmethod
    def _outputs(command: re_pb2.Command) -> list[str]:
        if command.output_paths:
            return list(command.output_paths)
        return [*command.output_files, *command.output_directories]

    def _log_platform(self, command: re_pb2.Command, action: re_pb2.Action) -> None:
        platform_ = action.platform if action.HasField("platform") else command.platform
        key = tuple((p.name, p.value) for p in platform_.properties)
        if key not in self.seen_platforms:
            self.seen_platforms.add(key)
            LOG.info("platform properties of this action: %s", dict(key) or "none")

    def _execute(self, job, action, command, root, scratch, meta):
        owner = self.sandbox.run_as
        # Made without following a symlink of the input root: one must not lead mkdir out.
        walk_dirs(root, command.working_directory, create=True, owner=owner)
        for output in self._outputs(command):
            rel = os.path.dirname(os.path.join(command.working_directory, output.rstrip("/")))
            walk_dirs(root, rel, create=True, owner=owner)
        env = {v.name: v.value for v in command.environment_variables}
        network = env.get(NETWORK_MARKER[0]) == NETWORK_MARKER[1]
        timeout = action.timeout.ToTimedelta().total_seconds() if action.HasField("timeout") else 0
        stdout_path, stderr_path = os.path.join(scratch, "stdout"), os.path.join(scratch, "stderr")
        LOG.info(
            "running %s (env: %s; workdir %r; %s)",
            " ".join(command.arguments)[:300],
            " ".join(sorted(env)),
            command.working_directory,
            "network" if network else "no network",
        )
        meta.execution_start_timestamp.GetCurrentTime()
        started = time.monotonic()
        with open(stdout_path, "wb") as out, open(stderr_path, "wb") as err:
            running = self.sandbox.start(
                root,
                command.working_directory,
                list(command.arguments),
                env,
                network,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=err,
                cwd=scratch,
            )
            proc = running.proc
            timed_out = False
            try:
                while True:
                    try:
                        proc.wait(timeout=0.05)  # polls from 0.5 ms up: a quick action ends quickly
                        break
                    except subprocess.TimeoutExpired:
                        pass
                    if job.cancel.is_set():
                        running.stop()
                        raise Cancelled()
                    if timeout and time.monotonic() - started > timeout:
                        running.stop()
                        timed_out = True
                        break
            finally:
                running.stop()
        meta.execution_completed_timestamp.GetCurrentTime()
        LOG.info("exit code %s after %.2f s", proc.returncode, time.monotonic() - started)
        meta.output_upload_start_timestamp.GetCurrentTime()
        collected = Outputs()
        result = re_pb2.ActionResult(exit_code=proc.returncode)
        result.stdout_digest.CopyFrom(collected.file(stdout_path)[0])
        result.stderr_digest.CopyFrom(collected.file(stderr_path)[0])
        if not timed_out:
            # The sandbox's pid namespace is gone with it: nothing of the action still runs to
            # swap a path between the checks and the reads.
            self._collect(command, root, command.working_directory, collected, result)
        self.cas.upload(collected.blobs)
        meta.output_upload_completed_timestamp.GetCurrentTime()
        meta.worker_completed_timestamp.GetCurrentTime()
        result.execution_metadata.CopyFrom(meta)
        if timed_out:
            message = f"the action exceeded its timeout of {timeout:g} s"
            return status_pb2.Status(code=code_pb2.DEADLINE_EXCEEDED, message=message), result
        return status_pb2.Status(code=code_pb2.OK), result

    def _collect(self, command, root, working_directory, collected: Outputs, result) -> None:
        """The outputs, read on the host without following a symlink: one is recorded as an
        OutputSymlink (its target as text), never read through."""

        def find(name: str) -> tuple[str, os.stat_result] | None:
            rel = os.path.join(working_directory, name).rstrip("/")
            parent = walk_dirs(root, os.path.dirname(rel), create=False)
            if parent is None:
                return None
            path = os.path.join(parent, os.path.basename(rel))
            try:
                return path, os.lstat(path)
            except FileNotFoundError:
                return None

        def add(name: str, want_dir: bool | None) -> None:
            found = find(name)
            if found is None:
                return
            path, st = found
            if stat.S_ISLNK(st.st_mode):
                target = os.readlink(path)
                result.output_symlinks.add(path=name, target=target)
                # REAPI 2.0 clients (Pants 2.17) read these.
                if want_dir is True:
                    result.output_directory_symlinks.add(path=name, target=target)
                elif want_dir is False:
                    result.output_file_symlinks.add(path=name, target=target)
            elif stat.S_ISDIR(st.st_mode) and want_dir is not False:
                result.output_directories.add(path=name, tree_digest=collected.directory(path))
            elif stat.S_ISREG(st.st_mode) and not want_dir:
                digest, executable = collected.file(path)
                result.output_files.add(path=name, digest=digest, is_executable=executable)

        if command.output_paths:
            for name in command.output_paths:
                add(name, None)
            return
        # Pants 2.17 sends output_files and output_directories. A missing output is not an
        # error: the client decides.
        for name in command.output_files:
            add(name, False)
        for name in command.output_directories:
            add(name, True)


class Backoff:
    def __init__(self, first: float = 0.5, most: float = 5.0):
        self.first, self.most, self.delay = first, most, first

    def next(self) -> float:
        delay, self.delay = self.delay, min(self.delay * 2, self.most)
        return delay

    def reset(self) -> None:
        self.delay = self.first


class Bot:
    """One bot session with BuildGrid, and the leases it runs."""

    def __init__(self, args: argparse.Namespace, executor: Executor, channel: grpc.Channel):
        self.args = args
        self.name = args.name
        self.executor = executor
        self.stub = bots_pb2_grpc.BotsStub(channel)
        self.session: bots_pb2.BotSession | None = None
        self.jobs: dict[str, Job] = {}
        self.threads: list[threading.Thread] = []
        self.lock = threading.Lock()
        self.wake = threading.Event()
        self.news = False  # a lease finished since the last request was built
        self.stopping = threading.Event()
        self.keepalive = args.keepalive
        self.properties = [p.split("=", 1) for p in args.property]

    # --- the session -----------------------------------------------------------------------

    def _proto(self, status: int = bots_pb2.BotStatus.OK) -> bots_pb2.BotSession:
        device = worker_pb2.Device(
            handle=self.name,
            properties=[worker_pb2.Device.Property(key=k, value=v) for k, v in self.properties],
        )
        worker = worker_pb2.Worker(
            devices=[device],
            configs=[worker_pb2.Worker.Config(key="capacity", value=str(self.args.capacity))],
        )
        session = bots_pb2.BotSession(bot_id=self.name, status=status, worker=worker)
        if self.session is not None:
            session.name = self.session.name
            session.version = self.session.version
        return session

    def run(self) -> None:
        backoff = Backoff()
        while not self.stopping.is_set():
            try:
                if self.session is None:
                    self._create()
                else:
                    self._update()
                backoff.reset()
            except grpc.RpcError as e:
                if e.code() not in TRANSIENT and self.session is not None:
                    # The session is gone (it expired, or a new database): BuildGrid has
                    # requeued its leases already, so drop them here and start afresh.
                    LOG.warning("session lost (%s: %s); a new one", e.code().name, e.details())
                    self._abandon_all()
                    self.session = None
                    backoff.reset()
                    continue
                delay = backoff.next()
                LOG.warning("server: %s; retrying in %.1f s", e.code().name, delay)
                self.stopping.wait(delay)
        self._shutdown()

    def _create(self) -> None:
        request = bots_pb2.CreateBotSessionRequest(
            parent=self.args.instance, bot_session=self._proto()
        )
        # Under NETWORK_TIMEOUT / 0.8 s, BuildGrid registers the bot and answers at once instead of
        # waiting for work; UpdateBotSession waits.
        self.session = self.stub.CreateBotSession(request, timeout=3.5)
        LOG.info("bot session %s created", self.session.name)
        if self.args.ready_file:
            with open(self.args.ready_file, "w") as f:
                f.write(self.session.name + "\n")
        self._take(self.session, sent_active=set())

    def _update(self) -> None:
        with self.lock:
            self.news = False
            session = self._proto()
            sent_active, sent_completed = set(), set()
            for lease_id, job in self.jobs.items():
                session.leases.append(job.report())
                (sent_completed if job.finished else sent_active).add(lease_id)
            self.wake.clear()
        request = bots_pb2.UpdateBotSessionRequest(name=session.name, bot_session=session)
        # BuildGrid holds the call until it has work or 80% of min(our deadline, keepalive) is over.
        # It doesn't end the wait when a client cancels an action, so a worker with actions running
        # asks again after ~3 s (its floor) to learn of cancellations sooner.
        timeout = min(self.keepalive, 4.0) if sent_active else self.keepalive
        future = self.stub.UpdateBotSession.future(request, timeout=timeout)
        future.add_done_callback(lambda _: self.wake.set())
        while not future.done():
            self.wake.wait(1.0)
            if future.done():
                break
            if self.news or self.stopping.is_set():
                # Report a finished lease now rather than when the long poll ends. BuildGrid
                # sends again any lease it assigned in the abandoned call.
                future.cancel()
                return
            self.wake.clear()
        response = future.result()
        with self.lock:
            self.session = response
            for lease_id in sent_completed:
                self.jobs.pop(lease_id, None)
            self._take(response, sent_active)
            busy = sum(not j.finished for j in self.jobs.values()) >= self.args.capacity
            busy = busy and not self.news and not self.stopping.is_set()
            if busy:
                self.wake.clear()
        if busy:
            # No long poll at full capacity: heartbeat well within the keepalive.
            self.wake.wait(max(1.0, self.keepalive / 3))

    def _take(self, session: bots_pb2.BotSession, sent_active: set[str]) -> None:
        returned = {lease.id for lease in session.leases}
        for lease_id in sent_active - returned:
            job = self.jobs.pop(lease_id, None)
            if job is not None:
                LOG.info("lease %s was cancelled by the server", lease_id)
                job.cancel.set()
        for lease in session.leases:
            if lease.id in self.jobs or lease.state not in (
                bots_pb2.LeaseState.PENDING,
                bots_pb2.LeaseState.ACTIVE,
            ):
                continue
            job = Job(lease=bots_pb2.Lease(id=lease.id, payload=lease.payload))
            self.jobs[lease.id] = job
            LOG.info("lease %s taken", lease.id)
            thread = threading.Thread(target=self._run_job, args=(job,), daemon=True)
            thread.start()
            self.threads = [t for t in self.threads if t.is_alive()] + [thread]

    def _run_job(self, job: Job) -> None:
        try:
            status, result = self.executor.run(job)
        except Cancelled:
            return
        except InvalidAction as e:
            LOG.warning("lease %s: refused: %s", job.lease.id, e)
            status, result = status_pb2.Status(code=code_pb2.INVALID_ARGUMENT, message=str(e)), None
        except MissingBlobs as e:
            LOG.warning("lease %s: inputs missing from the CAS: %s", job.lease.id, e)
            failure = error_details_pb2.PreconditionFailure()
            for d in e.digests:
                failure.violations.add(
                    type="MISSING", subject=f"blobs/{d.hash}/{d.size_bytes}", description=""
                )
            status = status_pb2.Status(code=code_pb2.FAILED_PRECONDITION, message=str(e))
            status.details.add().Pack(failure)
            result = None
        except Exception as e:
            if job.cancel.is_set():
                return
            LOG.exception("lease %s failed in the worker", job.lease.id)
            # INTERNAL is retryable: BuildGrid requeues it (up to max-job-attempts).
            status, result = status_pb2.Status(code=code_pb2.INTERNAL, message=repr(e)), None
        with self.lock:
            if job.cancel.is_set():
                return
            job.status, job.result, job.finished = status, result, True
            self.news = True
        self.wake.set()

    def _abandon_all(self) -> None:
        with self.lock:
            for job in self.jobs.values():
                job.cancel.set()
            self.jobs.clear()

    # --- stopping ----------------------------------------------------------------------------

    def stop(self) -> None:
        self.stopping.set()
        self.wake.set()

    def _shutdown(self) -> None:
        """Hands every lease back as UNAVAILABLE, which BuildGrid requeues at once."""
        for _ in range(3):
            with self.lock:
                running = [j for j in self.jobs.values() if not j.finished]
                for job in running:
                    job.cancel.set()
                    job.finished = True
                    job.status = status_pb2.Status(
                        code=code_pb2.UNAVAILABLE, message=f"worker {self.name} is stopping"
                    )
                if self.session is None or not self.jobs:
                    break
                session = self._proto(status=bots_pb2.BotStatus.BOT_TERMINATING)
                session.leases.extend(j.report() for j in self.jobs.values())
                self.jobs.clear()
            LOG.info("handing back %d lease(s)", len(session.leases))
            try:
                request = bots_pb2.UpdateBotSessionRequest(name=session.name, bot_session=session)
                response = self.stub.UpdateBotSession(request, timeout=5)
            except grpc.RpcError as e:
                LOG.warning("could not hand the leases back (%s); they expire", e.code().name)
                break
            with self.lock:
                self.session = response
                for lease in response.leases:  # assigned meanwhile: give those back too
                    if lease.state in (bots_pb2.LeaseState.PENDING, bots_pb2.LeaseState.ACTIVE):
                        self.jobs[lease.id] = Job(lease=lease)
        for thread in self.threads:  # killed actions: let them clean their directories up
            thread.join(timeout=5)
        LOG.info("stopped")


def check_sandbox(sandbox: Sandbox, scratch: str) -> None:
    """Fails at start, with bwrap's own words, where bubblewrap can't make a sandbox."""
    root = tempfile.mkdtemp(prefix="check-", dir=scratch)
    try:
        if sandbox.run_as is not None:
            os.chown(root, sandbox.run_as, sandbox.run_as)
        script = "test -d /usr/bin && test -w . && ! test -e /etc/shadow"
        if sandbox.run_as is not None:
            script += f' && test "$(id -u)" = {sandbox.run_as}'
        argv = ["/bin/sh", "-c", script]
        running = sandbox.start(
            root, "", argv, {}, False, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        out, err = running.proc.communicate()
        if running.proc.returncode != 0:
            why = (
                err.decode(errors="replace").strip()
                or f"`sh -c '{script}'` exited {running.proc.returncode}"
            )
            argv_text = " ".join(sandbox.argv(root, "", argv, False))
            sys.exit(f"bubblewrap can't run actions here: {why}\n(argv: {argv_text})")
    finally:
        shutil.rmtree(root, ignore_errors=True)


def make_etc(path: str, run_as: int | None) -> None:
    """The sandbox's passwd and group (root and the action's user only), and the resolv.conf of
    a sandbox with a network."""
    os.makedirs(path, exist_ok=True)
    uid = run_as if run_as is not None else os.geteuid()
    files = {
        "passwd": f"root:x:0:0:root:/nonexistent:/usr/sbin/nologin\n"
        f"nobody:x:{uid}:{uid}:nobody:/nonexistent:/usr/sbin/nologin\n",
        "group": f"root:x:0:\nnogroup:x:{uid}:\n",
        "resolv.conf": SLIRP_RESOLV_CONF,
    }
    for name, text in files.items():
        with open(os.path.join(path, name), "w") as f:
            f.write(text)
        os.chmod(os.path.join(path, name), 0o644)


def hand_over(path: str, uid: int) -> None:
    """Makes path and everything under it the action user's (caches left by a root worker)."""
    for top, dirs, files in os.walk(path):
        for name in [top, *(os.path.join(top, n) for n in dirs + files)]:
            if os.lstat(name).st_uid != uid:
                os.lchown(name, uid, uid)


def default_isa() -> str:
    machine = platform.machine()
    return {"x86_64": "x86-64", "amd64": "x86-64", "arm64": "aarch64"}.get(machine, machine)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", required=True, help="grpc://HOST:PORT of BuildGrid")
    parser.add_argument("--instance", default="", help="the REAPI instance name")
    parser.add_argument("--name", required=True, help="this bot's id (unique per worker)")
    parser.add_argument("--work-dir", required=True, help="where input roots are made")
    parser.add_argument("--blob-cache", required=True, help="the local mirror of CAS files")
    parser.add_argument("--named-caches", help="host dir of the append-only caches")
    parser.add_argument("--named-caches-mount", help="where the sandbox sees --named-caches")
    parser.add_argument("--capacity", type=int, default=1, help="leases run at once")
    parser.add_argument("--keepalive", type=float, default=10, help="the server's bot keepalive")
    parser.add_argument(
        "--property",
        action="append",
        default=None,
        help="KEY=VALUE platform property to advertise (default OSFamily=linux, ISA=<arch>)",
    )
    parser.add_argument(
        "--ro-bind",
        action="append",
        default=[],
        metavar="SRC[:DEST]",
        help="also show host path SRC, read-only, at DEST (default SRC): a stand-in for what a "
        "worker image would carry, such as a toolchain. Nothing by default.",
    )
    parser.add_argument("--ready-file", help="written once the bot session exists")
    parser.add_argument("--keep-sandboxes", action="store_true", help="for debugging")
    args = parser.parse_args(argv)
    if args.property is None:
        args.property = ["OSFamily=linux", f"ISA={default_isa()}"]
    logging.basicConfig(
        level=logging.INFO,
        format=f"%(asctime)s {args.name} %(levelname)s %(message)s",
        stream=sys.stderr,
    )
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        sys.exit("bwrap is not installed (Debian: apt-get install bubblewrap)")
    # As root, actions run as nobody; not as root, as this user.
    run_as = NOBODY if os.geteuid() == 0 else None
    os.makedirs(args.work_dir, exist_ok=True)
    if args.named_caches:
        os.makedirs(args.named_caches, exist_ok=True)
        if run_as is not None:
            hand_over(args.named_caches, run_as)
    etc_dir = os.path.join(args.work_dir, ".etc")
    make_etc(etc_dir, run_as)
    ro_binds = [(b.split(":", 1)[0], b.split(":", 1)[-1]) for b in args.ro_bind]
    sandbox = Sandbox(
        bwrap,
        args.named_caches,
        args.named_caches_mount,
        etc_dir,
        ro_binds,
        run_as=run_as,
        slirp4netns=shutil.which("slirp4netns"),
    )
    if sandbox.slirp4netns is None:
        LOG.warning("slirp4netns is not installed: actions that download will fail")
    check_sandbox(sandbox, args.work_dir)
    target = args.server.split("://", 1)[-1]
    channel = grpc.insecure_channel(target, options=CHANNEL_OPTIONS)
    cas = Cas(channel, args.instance)
    executor = Executor(args.name, cas, BlobCache(args.blob_cache, cas), sandbox, args.work_dir)
    executor.keep_sandboxes = args.keep_sandboxes
    bot = Bot(args, executor, channel)
    signal.signal(signal.SIGTERM, lambda *_: bot.stop())
    signal.signal(signal.SIGINT, lambda *_: bot.stop())
    LOG.info("serving %s (instance %r), capacity %d", args.server, args.instance, args.capacity)
    bot.run()


if __name__ == "__main__":
    main()

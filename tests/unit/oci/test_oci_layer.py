"""Tier 1: a layer is a gzip'd tar whose every byte follows from the files given. No toolchain."""

from __future__ import annotations

import gzip
import hashlib
import io
import tarfile

import pytest
from oci_sample import FAKE_BINARIES, files_of, sample_layer

from go_static.core.oci.layer import (
    LAYER_MEDIA_TYPE,
    FileEntry,
    ImageContentError,
    build_layer,
    deterministic_tar,
)


def members(tar_bytes: bytes) -> list[tarfile.TarInfo]:
    with tarfile.open(fileobj=io.BytesIO(tar_bytes)) as tar:
        return tar.getmembers()


def test_the_same_files_in_any_order_give_the_same_bytes() -> None:
    files = list(files_of(FAKE_BINARIES["amd64"]))
    first = build_layer(files)
    assert build_layer(reversed(files)) == first
    assert build_layer(sorted(files, key=lambda e: e.data)) == first
    assert build_layer(files).blob.data == first.blob.data


def test_digest_size_and_diff_id_are_those_of_the_blob_and_of_the_plain_tar() -> None:
    layer = sample_layer()
    blob = layer.blob.data
    assert layer.digest == "sha256:" + hashlib.sha256(blob).hexdigest()
    assert layer.size == len(blob)
    assert layer.diff_id == "sha256:" + hashlib.sha256(gzip.decompress(blob)).hexdigest()
    assert layer.media_type == LAYER_MEDIA_TYPE == "application/vnd.oci.image.layer.v1.tar+gzip"
    assert layer.descriptor.to_json() == {
        "mediaType": LAYER_MEDIA_TYPE,
        "digest": layer.digest,
        "size": len(blob),
    }


def test_gzip_header_has_no_time_no_name_and_a_fixed_os() -> None:
    blob = sample_layer().blob.data
    # magic, deflate, no flags (so no FNAME), MTIME 0, XFL 0 (level 6), OS 255 (unknown).
    assert blob[:10] == bytes([0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 0xFF])


def test_members_are_the_exact_paths_parents_first_with_no_time_or_owner() -> None:
    layer = sample_layer()
    found = members(gzip.decompress(layer.blob.data))
    # By path component: "app" and all it holds come before "app-data" ("-" < "/" bytewise).
    assert [(m.name, m.type, m.mode) for m in found] == [
        ("app", tarfile.DIRTYPE, 0o755),
        ("app/hello", tarfile.REGTYPE, 0o755),
        ("app-data", tarfile.DIRTYPE, 0o755),
        ("app-data/README", tarfile.REGTYPE, 0o600),
        ("etc", tarfile.DIRTYPE, 0o755),
        ("etc/hello", tarfile.DIRTYPE, 0o755),
        ("etc/hello/config.json", tarfile.REGTYPE, 0o644),
    ]
    for m in found:
        assert (m.mtime, m.uid, m.gid, m.uname, m.gname) == (0, 0, 0, "", "")
        assert m.pax_headers == {}
    assert layer.paths == ("/app/hello", "/app-data/README", "/etc/hello/config.json")


def test_file_contents_and_the_ustar_headers_are_as_given() -> None:
    plain = gzip.decompress(sample_layer().blob.data)
    with tarfile.open(fileobj=io.BytesIO(plain)) as tar:
        assert tar.extractfile("app/hello").read() == FAKE_BINARIES["amd64"]
        assert tar.pax_headers == {}
    # The first header: "app/" with the POSIX ustar magic, as docker save writes directories.
    assert plain[:4] == b"app/" and plain[257:265] == b"ustar\x0000"


def test_a_long_path_gets_a_pax_path_header_and_nothing_else() -> None:
    path = "/" + "/".join(["d" * 60] * 5) + "/hello"
    found = members(deterministic_tar([FileEntry(path, b"x", 0o755)]))
    assert found[-1].name == path[1:]
    assert found[-1].pax_headers == {"path": path[1:]}
    assert all(m.mtime == 0 for m in found)


def test_each_parent_directory_is_emitted_once_before_its_children() -> None:
    entries = [FileEntry(p, b"", 0o644) for p in ("/a/b/c", "/a/b/d", "/a/e", "/f")]
    names = [m.name for m in members(deterministic_tar(sorted(entries, key=lambda e: e.path)))]
    assert names == ["a", "a/b", "a/b/c", "a/b/d", "a/e", "f"]


def test_every_bad_path_and_mode_is_reported_at_once() -> None:
    bad = [
        FileEntry("app/hello", b""),
        FileEntry("/app/../etc/passwd", b""),
        FileEntry("/bin/", b""),
        FileEntry("/twice", b"1"),
        FileEntry("/twice", b"2"),
        FileEntry("/lib", b""),
        FileEntry("/lib/x", b""),
        FileEntry("/setuid", b"", 0o104755),
    ]
    with pytest.raises(ImageContentError) as caught:
        build_layer(bad, subject="src/go:hello")
    error = caught.value
    assert error.code == "image-content" and len(error.problems) == 6
    text = str(error)
    for path in ("app/hello", "/app/../etc/passwd", "/bin/", "/twice", "/lib", "/setuid"):
        assert f'"{path}"' in text
    assert text.startswith("src/go:hello: ")
    assert all(p.why and p.fix for p in error.problems)

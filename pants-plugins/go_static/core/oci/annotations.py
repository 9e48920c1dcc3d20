"""The OCI standard annotations an image carries: where it came from, which commit, when.

Pants-free, stdlib only. Every value is either given (the `source` field) or read from stamping
and SOURCE_DATE_EPOCH; none is guessed, and none is the wall clock, so an unstamped image keeps
the same digest on every build.

No `org.opencontainers.image.base.name` or `.base.digest`: these images are FROM scratch, and
"scratch" is no image reference. ko sets both only for a real base image; tools that follow
them (rebuild bots, registry UIs) would try to pull a base that does not exist.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from go_static.core.errors import Problem

PREFIX = "org.opencontainers.image."
SOURCE, REVISION, VERSION, CREATED = (
    PREFIX + k for k in ("source", "revision", "version", "created")
)
STANDARD = (SOURCE, REVISION, VERSION, CREATED)
SOURCE_DATE_EPOCH = "SOURCE_DATE_EPOCH"
# A URL is data for a manifest, not a document: longer is not a repository address.
_MAX_URL = 2048
# Eleven digits reach the year 5138; datetime stops at 9999.
_EPOCH = re.compile(r"[0-9]{1,11}")
_HOST = re.compile(r"[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?(:[0-9]{1,5})?")


@dataclass(frozen=True)
class Provenance:
    """What the standard annotations say: each empty when not known."""

    source: str = ""
    revision: str = ""
    version: str = ""
    created: str = ""  # RFC 3339, UTC

    def annotations(self) -> dict[str, str]:
        values = zip(STANDARD, (self.source, self.revision, self.version, self.created))
        return {key: value for key, value in values if value}


def source_problems(url: str, what: str) -> list[Problem]:
    """Why `url` can't be an image's source annotation: an https URL of a repository, no
    credentials (an annotation is public wherever the image goes)."""
    fix = "Give the repository's https URL, e.g. `https://github.com/org/repo`, with no user name."
    if len(url) > _MAX_URL or any(c.isspace() or ord(c) < 32 or ord(c) == 127 for c in url):
        return [Problem(f"{what} is not a URL: {url[:80]!r}.", "It goes into every manifest.", fix)]
    parts = urlsplit(url)
    if "@" in parts.netloc:
        # Never echo the value: the part before the @ may be a token.
        return [
            Problem(
                f"{what} holds credentials (a user or token before the @ in its host part).",
                "Annotations are readable by anyone who can pull the image.",
                fix,
            )
        ]
    if parts.scheme != "https" or not _HOST.fullmatch(parts.netloc):
        return [
            Problem(
                f"{what} is not an https URL with a host name: {url!r}.",
                "Registries, scanners and `cosign` show it as a link to the image's source.",
                fix,
            )
        ]
    return []


def rfc3339(epoch: int) -> str:
    return datetime.datetime.fromtimestamp(epoch, datetime.timezone.utc).strftime(
        "%Y-%m-%dT%H:%M:%SZ"
    )


def created_problems(source_date_epoch: str) -> list[Problem]:
    """Why SOURCE_DATE_EPOCH can't give the created time (it is whole seconds since 1970)."""
    if _EPOCH.fullmatch(source_date_epoch):
        return []
    return [
        Problem(
            f"{SOURCE_DATE_EPOCH} is {source_date_epoch[:40]!r}, not whole seconds since 1970.",
            "It sets org.opencontainers.image.created on go_static_image manifests.",
            f"Set {SOURCE_DATE_EPOCH} to e.g. `$(git log -1 --format=%ct)`, or unset it.",
        )
    ]


def created(source_date_epoch: str, commit_time: str) -> str:
    """The created annotation: SOURCE_DATE_EPOCH if set, else the commit time (stamped builds
    only pass one), else nothing. Both are checked by the caller; a bad one gives nothing."""
    for value in (source_date_epoch, commit_time):
        if value and _EPOCH.fullmatch(value):
            return rfc3339(int(value))
    return ""

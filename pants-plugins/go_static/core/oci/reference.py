"""Image references (`registry[:port]/path/components:tag`), checked as registries check them.

Pants-free, stdlib only. The grammar is the OCI distribution spec's (and Docker's
distribution/reference): a name that a registry or `docker load` would refuse is reported here,
before anything is built, with every bad name and tag of a target at once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, Iterator, Sequence

from go_static.core.errors import GoStaticError, Problem, render_problems

# distribution/reference's grammar, written so that no quantifier nests inside another: its
# `[-]*` separator may be empty, which makes `(sep alnum+)*` exponential on a near miss
# (`team/` + 24 letters + `A` took seconds). `-+` accepts the same names, in linear time.
PATH_COMPONENT = re.compile(r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*")
# One dot-separated label of a host name; the name is split on `.` and the port on `:` first.
_DOMAIN_COMPONENT = re.compile(r"[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?")
_IPV6 = re.compile(r"\[[a-fA-F0-9:]+\]")
_PORT = re.compile(r"[0-9]+")
TAG = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}")
NAME_MAX = 255
DEFAULT_TAG = "latest"
# Docker's default registry and the namespace of its one-component names, for the fully
# qualified name containerd (and `docker load` with the containerd store) reads.
DOCKER_HUB, OFFICIAL_NAMESPACE = "docker.io", "library"


class ImageReferenceError(GoStaticError):
    """An image name or tag that registries and `docker load` would refuse."""

    code = "image-reference"

    def __init__(self, subject: str, problems: Sequence[Problem]) -> None:
        self.subject, self.problems = subject, tuple(problems)
        super().__init__(render_problems(subject, self.problems))


@dataclass(frozen=True)
class ImageReference:
    """A valid `[registry/]repository:tag`, in its parts."""

    registry: str  # "" when the name has none: Docker Hub is implied
    repository: str  # the path, e.g. "team/app"
    tag: str

    @property
    def name(self) -> str:
        """The name without the tag, as written: `registry.example.com/team/app`."""
        return f"{self.registry}/{self.repository}" if self.registry else self.repository

    @property
    def fully_qualified(self) -> str:
        """With Docker Hub made explicit: `app:1` is `docker.io/library/app:1`."""
        if self.registry not in ("", DOCKER_HUB):
            return str(self)
        namespace = "" if "/" in self.repository else f"{OFFICIAL_NAMESPACE}/"
        return f"{DOCKER_HUB}/{namespace}{self.repository}:{self.tag}"

    def __str__(self) -> str:
        return f"{self.name}:{self.tag}"


def parse_references(
    texts: Iterable[str], *, subject: str = "", default_tag: str = DEFAULT_TAG
) -> tuple[ImageReference, ...]:
    """Each `name[:tag]`, parsed; one ImageReferenceError names every bad one of them."""
    texts = tuple(texts)
    problems = [p for text in texts for p in reference_problems(text)]
    if problems:
        raise ImageReferenceError(subject, unique(problems))
    return tuple(split_reference(text, default_tag) for text in texts)


def references_for(
    names: Sequence[str], tags: Sequence[str], *, subject: str = ""
) -> tuple[ImageReference, ...]:
    """Every name with every tag (e.g. a repository field and a tags field), all checked first."""
    problems = [p for name in names for p in name_problems(name)]
    problems += [p for tag in tags for p in tag_problems(tag)]
    if problems:
        raise ImageReferenceError(subject, unique(problems))
    return tuple(split_reference(f"{name}:{tag}", "") for name in names for tag in tags)


def unique(problems: Iterable[Problem]) -> tuple[Problem, ...]:
    """Each problem once, in order: a bad name or tag repeated in several references is one."""
    return tuple(dict.fromkeys(problems))


def split_name_and_tag(text: str) -> tuple[str, str]:
    """`name:tag` at the last colon after the last slash (a registry's port is not a tag)."""
    name, colon, tag = text.rpartition(":")
    if not colon or "/" in tag:
        return text, ""
    return name, tag


def split_registry(name: str) -> tuple[str, str]:
    """(registry, path): the first component is a registry if it has a `.` or `:` or is
    localhost, as Docker reads it. (Docker also takes an upper-case one for a host; here it stays
    a path component, reported as not lower-case, which is what such a name nearly always is.)"""
    first, slash, rest = name.partition("/")
    if slash and (any(c in first for c in ".:[") or first == "localhost"):
        return first, rest
    return "", name


def split_reference(text: str, default_tag: str) -> ImageReference:
    name, tag = split_name_and_tag(text)
    registry, path = split_registry(name)
    return ImageReference(registry, path, tag or default_tag)


def reference_problems(text: str) -> list[Problem]:
    """What is wrong with one `name[:tag]`; empty when a registry would accept it."""
    if "@" in text:
        return [
            Problem(
                f'The image reference "{text}" has a digest (`@...`).',
                "A digest names an image that already exists; an image being built gets a tag.",
                f'Drop the digest and use a tag, e.g. "{text.split("@")[0]}".',
            )
        ]
    name, tag = split_name_and_tag(text)
    return [*name_problems(name), *(tag_problems(tag) if tag or text.endswith(":") else [])]


def name_problems(name: str) -> list[Problem]:
    """What is wrong with one `[registry[:port]/]path`; empty when a registry accepts it."""
    if not name:
        return [
            Problem(
                "An image name is empty.",
                "Every image is stored under a repository name.",
                'Name it, e.g. "registry.example.com/team/app".',
            )
        ]
    registry, path = split_registry(name)
    problems = [*registry_problems(name, registry), *path_problems(name, path)]
    if len(name) > NAME_MAX:
        problems.append(
            Problem(
                f'The image name "{name[:40]}..." is {len(name)} characters long.',
                f"Registries refuse a name (registry and path) over {NAME_MAX} characters.",
                "Shorten the repository path or the registry name.",
            )
        )
    return problems


def valid_registry(registry: str) -> bool:
    """A host name (dotted labels; an IPv4 address is one) or a bracketed IPv6 address, then an
    optional numeric port: distribution/reference's `domain`, checked a part at a time."""
    host, port = registry, None
    if host.startswith("["):
        end = host.find("]")
        host, rest = host[: end + 1], host[end + 1 :]
        if end < 0 or (rest and not rest.startswith(":")):
            return False
        port = rest[1:] if rest else None
        host_ok = bool(_IPV6.fullmatch(host))
    else:
        if ":" in host:
            host, _, port = host.partition(":")
        host_ok = all(_DOMAIN_COMPONENT.fullmatch(label) for label in host.split("."))
    return host_ok and (port is None or bool(_PORT.fullmatch(port)))


def registry_problems(name: str, registry: str) -> Iterator[Problem]:
    if registry and not valid_registry(registry):
        yield Problem(
            f'The registry "{registry}" of the image name "{name}" is not a valid host[:port].',
            "A registry is a host name (letters, digits and `-` between dots), an IP address "
            "or localhost, with an optional numeric port.",
            'Write it like "registry.example.com", "localhost:5000" or "127.0.0.1:5000".',
        )


def path_problems(name: str, path: str) -> Iterator[Problem]:
    for component in path.split("/"):
        if PATH_COMPONENT.fullmatch(component):
            continue
        suggestion = suggested_component(component)
        yield Problem(
            f'The image name "{name}" has the invalid path component "{component}".',
            "Registries accept only lower-case letters and digits in a repository path, with "
            "single `.`, `_`, `__` or runs of `-` between them, and no empty component.",
            f'Use e.g. "{suggestion}".'
            if suggestion
            else 'Use lower-case letters and digits, e.g. "team/app".',
        )


def suggested_component(component: str) -> str:
    """The nearest valid path component, or "" when there is none."""
    cleaned = re.sub(r"[^a-z0-9]+", "-", component.lower()).strip("-")
    return cleaned if PATH_COMPONENT.fullmatch(cleaned) else ""


def tag_problems(tag: str) -> list[Problem]:
    """What is wrong with one tag; empty when a registry accepts it."""
    if TAG.fullmatch(tag):
        return []
    shown = f"{tag[:40]}..." if len(tag) > 40 else tag
    return [
        Problem(
            f'The image tag "{shown}" is not valid.',
            "Registries accept a tag of 1 to 128 characters: letters, digits, `_`, `.` and `-`, "
            "not starting with `.` or `-`.",
            'Use e.g. "v1.2.3", "latest" or a commit hash.',
        )
    ]

"""The passwd layer: /etc/passwd and /etc/group for an image whose `user` names a user.

Pants-free. A scratch image has no /etc/passwd, so a container runtime can't resolve `user="app"`
(docker: `unable to find user app`) and os/user finds nobody. Numeric ids need no file to start
the container, so they get no layer and images keep the digests they had.
"""

from __future__ import annotations

import re

from go_static.core.errors import Problem
from go_static.core.oci.layer import FileEntry, Layer, build_layer

PASSWD_PATH, GROUP_PATH = "/etc/passwd", "/etc/group"
# distroless' and ko's nonroot: the id a named user gets.
NONROOT_ID = 65532
# A name as useradd accepts it by default (shadow-utils' NAME_REGEX); it can't hold a `:` or a
# newline, so it can't add an entry of its own.
_NAME = re.compile(r"[a-z_][a-z0-9_-]{0,31}")
_MAX_ID = 2**31 - 1


def _part(text: str) -> tuple[str, int] | None:
    """(name, id) of one side of `user:group`, or None if it is neither a name nor an id."""
    if text == "root":
        return "root", 0
    if text.isascii() and text.isdigit() and len(text) <= 10 and int(text) <= _MAX_ID:
        number = int(text)
        return (
            "root" if number == 0 else "nonroot" if number == NONROOT_ID else f"u{number}"
        ), number
    if _NAME.fullmatch(text):
        return text, NONROOT_ID
    return None


def user_problems(user: str) -> list[Problem]:
    """Why the image's `user` can't be used; empty when it can."""
    parts = user.split(":")
    if not user or (len(parts) <= 2 and all(_part(p) for p in parts)):
        return []
    return [
        Problem(
            f"user is {user!r}, which is not `name`, `uid`, `name:group` or `uid:gid`.",
            "A named user goes into the image's /etc/passwd and /etc/group, where the container "
            "runtime looks it up; anything else can't start the container.",
            "Use numeric ids (e.g. `65532:65532`) or a lower-case name of at most 32 letters, "
            "digits, `_` and `-`, e.g. `app` or `app:app`.",
        )
    ]


def names_a_user(user: str) -> bool:
    """Whether `user` (already free of user_problems) names a user or group, not only ids."""
    return any(p and not p.isdigit() for p in user.split(":"))


def passwd_files(user: str) -> tuple[str, str]:
    """(/etc/passwd, /etc/group) holding root and `user`'s entries."""
    user_part, _, group_part = user.partition(":")
    name, uid = _part(user_part) or ("root", 0)
    group, gid = (_part(group_part) if group_part else None) or (name, uid)
    passwd = ["root:x:0:0:root:/root:/sbin/nologin"]
    if uid:
        passwd.append(f"{name}:x:{uid}:{gid}:{name}:/home/{name}:/sbin/nologin")
    groups = ["root:x:0:"] + ([f"{group}:x:{gid}:"] if gid else [])
    return "\n".join(passwd) + "\n", "\n".join(groups) + "\n"


def passwd_layer(user: str) -> tuple[Layer, str] | None:
    """The layer and its /etc/passwd text when `user` names a user; None for ids only."""
    if not names_a_user(user):
        return None
    passwd, group = passwd_files(user)
    entries = [
        FileEntry(PASSWD_PATH, passwd.encode(), 0o644),
        FileEntry(GROUP_PATH, group.encode(), 0o644),
    ]
    return build_layer(entries, subject="passwd"), passwd

"""The passwd layer: which `user` values get /etc/passwd and /etc/group, and which are refused."""

from __future__ import annotations

import pytest

from go_static.core.oci.passwd import (
    GROUP_PATH,
    PASSWD_PATH,
    names_a_user,
    passwd_files,
    passwd_layer,
    user_problems,
)


@pytest.mark.parametrize("user", ["", "65532:65532", "0", "1000"])
def test_numeric_ids_get_no_layer_so_images_keep_their_digests(user: str) -> None:
    assert user_problems(user) == [] and not names_a_user(user) and passwd_layer(user) is None


@pytest.mark.parametrize(
    "user, passwd_line, group_line",
    [
        ("app", "app:x:65532:65532:app:/home/app:/sbin/nologin", "app:x:65532:"),
        ("app:staff", "app:x:65532:65532:app:/home/app:/sbin/nologin", "staff:x:65532:"),
        ("1000:web", "u1000:x:1000:65532:u1000:/home/u1000:/sbin/nologin", "web:x:65532:"),
        ("app:1001", "app:x:65532:1001:app:/home/app:/sbin/nologin", "u1001:x:1001:"),
    ],
)
def test_a_named_user_gets_root_and_its_own_entries(
    user: str, passwd_line: str, group_line: str
) -> None:
    passwd, group = passwd_files(user)
    assert passwd.splitlines() == ["root:x:0:0:root:/root:/sbin/nologin", passwd_line]
    assert group.splitlines() == ["root:x:0:", group_line]
    layer, text = passwd_layer(user)
    assert set(layer.paths) == {GROUP_PATH, PASSWD_PATH}
    assert text == passwd


def test_root_by_name_is_uid_zero_with_no_second_entry() -> None:
    assert passwd_files("root") == ("root:x:0:0:root:/root:/sbin/nologin\n", "root:x:0:\n")


@pytest.mark.parametrize(
    "user",
    ["App", "app\nevil:x:0:0::/:/bin/sh", "a:b:c", "app:", "99999999999", "１２", "x" * 33, ":"],
)
def test_a_user_that_cant_go_into_passwd_is_refused_with_the_fix(user: str) -> None:
    (problem,) = user_problems(user)
    assert repr(user) in problem.what and "65532:65532" in problem.fix

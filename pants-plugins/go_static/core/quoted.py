"""Go's `cmd/internal/quoted`: how `go` splits -ldflags, -gcflags and CC, and how it quotes them.

Pants-free and import-free (the checker PEX carries it). A line-for-line port of
`src/cmd/internal/quoted/quoted.go` of the Go SDK: whatever this plugin hands to `go` as one
flag string, go splits with `Split`, so anything that judges such a string (the mode's ldflags
check, the checker comparing build info) must split it here, never with `shlex`, which honours
quotes in the middle of a word and backslash escapes that Go doesn't.
"""

from __future__ import annotations

from typing import Iterable

_SPACE = " \t\n\r"
_MAX_ASCII = 0x7F


def split(s: str) -> list[str]:
    """Go's `quoted.Split`: fields split on spaces, with '' or "" allowed around a field.

    A quote counts only at the start of a field, there is no unescaping inside one, and a
    closing quote ends the field (the next begins right after it). Raises ValueError on an
    unterminated quote, with Go's message.
    """
    fields: list[str] = []
    i, n = 0, len(s)
    while i < n:
        while i < n and s[i] in _SPACE:
            i += 1
        if i == n:
            break
        if s[i] in "'\"":
            quote = s[i]
            end = s.find(quote, i + 1)
            if end < 0:
                raise ValueError(f"unterminated {quote} string")
            fields.append(s[i + 1 : end])
            i = end + 1
            continue
        start = i
        while i < n and s[i] not in _SPACE:
            i += 1
        fields.append(s[start:i])
    return fields


def join(args: Iterable[str]) -> str:
    """Go's `quoted.Join`: a string `split` turns back into `args`, quoting only where needed.

    Raises ValueError for an argument with both quote kinds, which Go can't quote either.
    """
    out = []
    for arg in args:
        ascii_chars = {c for c in arg if ord(c) <= _MAX_ASCII}
        saw_space = bool(ascii_chars & set(_SPACE))
        saw_single, saw_double = "'" in ascii_chars, '"' in ascii_chars
        if not (saw_space or saw_single or saw_double):
            out.append(arg)
        elif not saw_single:
            out.append(f"'{arg}'")
        elif not saw_double:
            out.append(f'"{arg}"')
        else:
            raise ValueError(
                f"argument {arg!r} contains both single and double quotes and cannot be quoted"
            )
    return " ".join(out)

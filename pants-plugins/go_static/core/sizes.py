"""Binary sizes: parsing budgets such as "40MiB", and printing sizes for people. Pants-free."""

from __future__ import annotations

import re

_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([KMGT]i?B|B)?\s*$", re.I)
_UNITS = {
    "b": 1,
    "kb": 10**3,
    "mb": 10**6,
    "gb": 10**9,
    "tb": 10**12,
    "kib": 2**10,
    "mib": 2**20,
    "gib": 2**30,
    "tib": 2**40,
}


def parse_size(value: int | str, what: str) -> int:
    """Bytes from an int or a string such as "20MiB", "1.5GB", "900KiB"; ValueError if not."""
    if isinstance(value, int):
        if value <= 0:
            raise ValueError(f"{what} must be positive, not {value}")
        return value
    match = _SIZE.match(value)
    if not match:
        raise ValueError(f'{what}={value!r} is not a size: use bytes or e.g. "20MiB", "1.5GB"')
    size = int(float(match.group(1)) * _UNITS[(match.group(2) or "B").lower()])
    if size <= 0:
        raise ValueError(f"{what}={value!r} must be at least one byte")
    return size


def format_size(size: int) -> str:
    """E.g. "5.7 MiB", "900.0 KiB", "12 B": binary units, one decimal."""
    for unit, scale in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if size >= scale:
            return f"{size / scale:.1f} {unit}"
    return f"{size} B"

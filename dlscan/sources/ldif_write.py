"""Writing LDIF (RFC 2849): the records the tests and benchmarks build their exports with, and the lines
of a remediation plan's changes."""

from __future__ import annotations

import base64

from dlscan.sources.ldif import Value


def format_record(dn: str, attributes: list[tuple[str, Value]]) -> str:
    """One LDIF record, base64 where RFC 2849 requires it, folded at 76 columns."""
    lines = [format_line("dn", dn)]
    lines += [format_line(name, value) for name, value in attributes]
    return "".join(lines) + "\n"


def format_line(name: str, value: Value) -> str:
    """One attribute line, base64 where RFC 2849 requires it (any value a plan takes from a directory
    may need it), folded at 76 columns."""
    if isinstance(value, bytes) or not _is_safe_string(value):
        raw = value if isinstance(value, bytes) else value.encode("utf-8")
        line = f"{name}:: {base64.b64encode(raw).decode('ascii')}"
    else:
        line = f"{name}: {value}"
    folded = [line[:76]] + [" " + line[i : i + 75] for i in range(76, len(line), 75)]
    return "\n".join(folded) + "\n"


def _is_safe_string(value: str) -> bool:
    if not value:
        return True
    if value[0] in " :<" or value[-1] == " ":
        return False
    return all(0 < ord(ch) < 128 and ch not in "\r\n" for ch in value)

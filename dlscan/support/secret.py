"""Passwords, client secrets and tokens: usable, never printed.

A `Secret` never shows its value in a repr, a log line or an error message. Secrets are read from an
environment variable, a file or a prompt, never from the command line, where `ps` and shell history
would keep them.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from dlscan.support.errors import UsageError


class Secret:
    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('***')"

    __str__ = __repr__


def read_secret(
    env_option: str, variable: str | None, file_option: str, file: Path | None, prompt: str | None = None
) -> Secret | None:
    """The secret named by an environment variable or a file; a prompt when neither is given on a terminal."""
    if variable and file:
        raise UsageError(f"give either {env_option} or {file_option}, not both")
    if variable:
        if variable not in os.environ:
            raise UsageError(f"{env_option} {variable}: that environment variable is not set")
        return Secret(os.environ[variable])
    if file:
        try:
            text = Path(file).read_text(encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"{file_option} {file}: {exc.strerror or exc}") from None
        except UnicodeDecodeError:
            raise UsageError(f"{file_option} {file}: not UTF-8 text") from None
        return Secret(text.splitlines()[0] if text else "")
    if prompt and sys.stdin.isatty():
        return Secret(click.prompt(prompt, hide_input=True, err=True))
    return None

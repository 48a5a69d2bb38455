"""What an LDIF export shows of its own wholeness.

A file cut at a line end is still valid LDIF, and reads as a smaller directory: its findings simply
vanish. So the reader keeps the evidence the exporters give:
- ldapsearch, unless run with -LL or -LLL, opens every search (and every page of a paged one) with a
  `# LDAPv3` comment and closes it with `# numResponses:` and `# numEntries:`. A search opened and never
  closed is a cut file; a count that differs from the entries read is a spliced one. Both are refused.
- ldifde and ldapsearch -LLL end every entry with a blank line and count nothing. A file whose last entry
  has no blank line after it was cut inside that entry.
"""

from __future__ import annotations

import re
from pathlib import Path

from dlscan.model import Completeness
from dlscan.support.errors import InputError

_COUNT = re.compile(r"^(numResponses|numEntries):\s*(\d+)\s*$")


class LdifProof:
    """Fed the comments and entries of one file in order; says at the end how whole the file showed itself."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._open_at: int | None = None
        """The line of the `# LDAPv3` that opened the search being read, until its counts close it."""
        self._in_search = 0
        self._closed: tuple[int, int] | None = None
        """(line, entries) of the search whose `# numResponses` was just read, until `# numEntries` checks it."""
        self._searches = 0
        self._outside = 0
        """Entries that no ldapsearch search holds: from another tool, or hand-added."""
        self.outcome: Completeness | None = None
        """How whole the file showed itself, once `finish` has been told of its end."""

    def comment(self, number: int, text: str) -> None:
        text = text.strip()
        if text == "LDAPv3":
            self._closed = None
            if self._open_at is None:
                self._open_at, self._in_search = number, 0
            return
        match = _COUNT.match(text)
        if match is None:
            return
        counted = int(match.group(2))
        if match.group(1) == "numResponses":
            if self._open_at is not None:
                self._closed, self._open_at = (number, self._in_search), None
                self._searches += 1
        elif self._closed is not None:
            if counted != self._closed[1]:
                raise InputError(
                    self._path,
                    f"ldapsearch counted {counted:,} entries in this search, but the file holds "
                    f"{self._closed[1]:,} of them: the export was cut or edited; export it again",
                    number,
                )
            self._closed = None

    def entry(self) -> None:
        self._closed = None
        if self._open_at is None:
            self._outside += 1
        else:
            self._in_search += 1

    def finish(self, last_line: int, last_entry_ended: bool) -> None:
        """The file is read to its end: a search left open is refused; otherwise `outcome` says how whole it is."""
        if self._open_at is not None:
            raise InputError(
                self._path,
                f"the ldapsearch output that starts at line {self._open_at} ends without its closing counts "
                "('# numResponses:'): the export looks cut short; export it again",
                last_line,
            )
        if self._searches and not self._outside:
            self.outcome = Completeness.WHOLE
        else:
            self.outcome = Completeness.UNCOUNTED if last_entry_ended else Completeness.UNPROVEN

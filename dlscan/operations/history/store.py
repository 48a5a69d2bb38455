"""The history database (SQLite): runs, each finding's first and last sighting, tickets and their outbox.

Opening brings an older database up to date (after copying it aside); a file that is not a dlscan
history, or a newer one, is refused and left exactly as it was.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dlscan.findings import Finding, finding_from_record, finding_record
from dlscan.operations.history.schema import LATEST, MIGRATIONS
from dlscan.support.errors import DlscanError

HISTORY_NAME = "history.sqlite"


@dataclass(frozen=True)
class KnownFinding:
    fingerprint: str
    first_seen: str
    last_seen: str
    resolved_at: str | None
    finding: Finding


@dataclass(frozen=True)
class Ticket:
    fingerprint: str
    system: str
    ticket: str
    url: str
    resolved_action_at: str | None


@dataclass(frozen=True)
class OutboxItem:
    id: int
    action: str
    fingerprint: str
    payload: dict[str, Any]
    attempts: int
    last_error: str


class HistoryStore:
    def __init__(self, path: Path) -> None:
        self.path = path
        existed = path.exists()
        try:
            self._db = sqlite3.connect(path, isolation_level=None)
            self._db.execute("PRAGMA busy_timeout = 5000")
            version = self._db.execute("PRAGMA user_version").fetchone()[0]
            if existed and version == 0 and self._db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]:
                raise sqlite3.DatabaseError("tables but no dlscan schema version")
        except sqlite3.DatabaseError as exc:
            self._refuse(f"is not a dlscan history database, or is damaged ({exc})")
        if version > LATEST:
            self._refuse(f"was written by a newer dlscan (schema {version}, this one knows {LATEST})")
        if version < LATEST:
            self._migrate(version, backup=existed and version > 0)

    def _refuse(self, why: str) -> None:
        if getattr(self, "_db", None) is not None:
            self._db.close()
        raise DlscanError(f"{self.path} {why}; it was left as it is: move it aside to start a new history")

    def _migrate(self, version: int, *, backup: bool) -> None:
        if backup:
            shutil.copy2(self.path, self.path.with_name(f"{self.path.name}.schema{version}.bak"))
        for number in range(version, LATEST):
            try:
                self._db.executescript(f"BEGIN; {MIGRATIONS[number]}; PRAGMA user_version = {number + 1}; COMMIT;")
            except sqlite3.Error as exc:
                if self._db.in_transaction:
                    self._db.execute("ROLLBACK")
                self._refuse(f"could not be brought to schema {number + 1} ({exc})")

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> HistoryStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def schema_version(self) -> int:
        return int(self._db.execute("PRAGMA user_version").fetchone()[0])

    @contextmanager
    def transaction(self) -> Iterator[None]:
        if self._db.in_transaction:
            yield
            return
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    # Runs.
    def start_run(self, source: str, started_at: str) -> int:
        cursor = self._db.execute(
            "INSERT INTO runs (started_at, source, outcome) VALUES (?, ?, 'running')", (started_at, source)
        )
        return int(cursor.lastrowid or 0)

    def finish_run(self, run_id: int, outcome: str, finished_at: str, duration_s: float, **counts: Any) -> None:
        by_severity = json.dumps(counts.pop("by_severity", {}), sort_keys=True)
        by_status = json.dumps(counts.pop("by_status", {}), sort_keys=True)
        covered = json.dumps(counts.pop("covered", {}), sort_keys=True)
        message = str(counts.pop("message", ""))
        self._db.execute(
            "UPDATE runs SET outcome = ?, finished_at = ?, duration_s = ?, findings = ?, new = ?, resolved = ?, "
            "by_severity = ?, message = ?, lists = ?, recipients = ?, memberships = ?, counts = ?, covered = ? "
            "WHERE id = ?",
            (
                outcome,
                finished_at,
                round(duration_s, 3),
                counts.get("findings", 0),
                counts.get("new", 0),
                counts.get("resolved", 0),
                by_severity,
                message,
                counts.get("lists"),
                counts.get("recipients"),
                counts.get("memberships"),
                by_status,
                covered,
                run_id,
            ),
        )

    def resolved_fingerprints(self) -> set[str]:
        """The ids of the findings the history holds as resolved, without reading their records."""
        return {row[0] for row in self._db.execute("SELECT fingerprint FROM findings WHERE resolved_at IS NOT NULL")}

    def runs(self) -> list[dict[str, Any]]:
        cursor = self._db.execute("SELECT * FROM runs ORDER BY id")
        names = [c[0] for c in cursor.description]
        runs = [dict(zip(names, row, strict=True)) for row in cursor]
        return [
            run
            | {
                "by_severity": json.loads(run["by_severity"]),
                "counts": json.loads(run.get("counts") or "{}"),
                "covered": json.loads(run.get("covered") or "{}"),
            }
            for run in runs
        ]

    # Findings.
    def findings(self, *, open_only: bool = False) -> dict[str, KnownFinding]:
        query = "SELECT fingerprint, first_seen, last_seen, resolved_at, data FROM findings"
        if open_only:
            query += " WHERE resolved_at IS NULL"
        return {
            row[0]: KnownFinding(row[0], row[1], row[2], row[3], finding_from_record(json.loads(row[4])))
            for row in self._db.execute(query)
        }

    def saw(self, findings: Iterable[Finding], at: str) -> None:
        """Record findings seen in a successful run: new ones start, reappearing ones reopen."""
        self._db.executemany(
            "INSERT INTO findings (fingerprint, code, severity, list, first_seen, last_seen, data) "
            "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (fingerprint) DO UPDATE SET "
            "severity = excluded.severity, list = excluded.list, last_seen = excluded.last_seen, "
            "first_seen = CASE WHEN findings.resolved_at IS NULL "
            "THEN findings.first_seen ELSE excluded.first_seen END, "
            "resolved_at = NULL, data = excluded.data",
            [
                (f.finding_id, f.code, f.severity.value, f.list, at, at, json.dumps(finding_record(f), sort_keys=True))
                for f in findings
            ],
        )

    def resolve(self, fingerprints: Iterable[str], at: str) -> None:
        self._db.executemany(
            "UPDATE findings SET resolved_at = ? WHERE fingerprint = ? AND resolved_at IS NULL",
            [(at, fp) for fp in fingerprints],
        )

    # Tickets and the outbox.
    def ticket(self, fingerprint: str) -> Ticket | None:
        row = self._db.execute(
            "SELECT fingerprint, system, ticket, url, resolved_action_at FROM tickets WHERE fingerprint = ?",
            (fingerprint,),
        ).fetchone()
        return Ticket(*row) if row else None

    def add_ticket(self, fingerprint: str, system: str, ticket: str, url: str, at: str) -> None:
        self._db.execute(
            "INSERT OR IGNORE INTO tickets (fingerprint, system, ticket, url, created_at) VALUES (?, ?, ?, ?, ?)",
            (fingerprint, system, ticket, url, at),
        )

    def ticket_resolved(self, fingerprint: str, at: str) -> None:
        self._db.execute("UPDATE tickets SET resolved_action_at = ? WHERE fingerprint = ?", (at, fingerprint))

    def ticket_reopened(self, fingerprint: str, ticket: str, url: str) -> None:
        """The finding came back: its ticket (the old one reopened, or a new one) is open again, so that
        the next resolution acts on it once more."""
        self._db.execute(
            "UPDATE tickets SET ticket = ?, url = ?, resolved_action_at = NULL WHERE fingerprint = ?",
            (ticket, url, fingerprint),
        )

    def enqueue(self, action: str, fingerprint: str, payload: dict[str, Any], at: str) -> bool:
        """Queue a ticket action; False when the same action for the same finding is already waiting."""
        cursor = self._db.execute(
            "INSERT OR IGNORE INTO outbox (action, fingerprint, payload, queued_at) VALUES (?, ?, ?, ?)",
            (action, fingerprint, json.dumps(payload, sort_keys=True), at),
        )
        return cursor.rowcount == 1

    def outbox(self) -> list[OutboxItem]:
        rows = self._db.execute(
            "SELECT id, action, fingerprint, payload, attempts, last_error FROM outbox ORDER BY id"
        ).fetchall()
        return [OutboxItem(r[0], r[1], r[2], json.loads(r[3]), r[4], r[5]) for r in rows]

    def delivered(self, item_id: int) -> None:
        self._db.execute("DELETE FROM outbox WHERE id = ?", (item_id,))

    def failed(self, item_id: int, error: str) -> None:
        self._db.execute(
            "UPDATE outbox SET attempts = attempts + 1, last_error = ? WHERE id = ?", (error[:500], item_id)
        )

    def withdraw(self, action: str, fingerprint: str) -> None:
        """Drop a queued action that no longer makes sense, e.g. a ticket for a finding already resolved."""
        self._db.execute("DELETE FROM outbox WHERE action = ? AND fingerprint = ?", (action, fingerprint))

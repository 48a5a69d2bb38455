"""The history database's schema, as numbered migrations. A database is brought up to date on opening.

Never edit a migration that has shipped: add the next one. `PRAGMA user_version` records how far a
database has come.
"""

from __future__ import annotations

MIGRATIONS: tuple[str, ...] = (
    # 1: runs and the life of every finding.
    """
    CREATE TABLE runs (
        id INTEGER PRIMARY KEY,
        started_at TEXT NOT NULL,
        finished_at TEXT,
        source TEXT NOT NULL,
        outcome TEXT NOT NULL,
        duration_s REAL,
        findings INTEGER NOT NULL DEFAULT 0,
        new INTEGER NOT NULL DEFAULT 0,
        resolved INTEGER NOT NULL DEFAULT 0,
        by_severity TEXT NOT NULL DEFAULT '{}',
        message TEXT NOT NULL DEFAULT ''
    );
    CREATE TABLE findings (
        fingerprint TEXT PRIMARY KEY,
        code TEXT NOT NULL,
        severity TEXT NOT NULL,
        list TEXT NOT NULL,
        first_seen TEXT NOT NULL,
        last_seen TEXT NOT NULL,
        resolved_at TEXT,
        data TEXT NOT NULL
    );
    CREATE INDEX findings_open ON findings (resolved_at);
    """,
    # 2: tickets raised for findings, and the outbox of ticket actions not yet delivered.
    """
    CREATE TABLE tickets (
        fingerprint TEXT PRIMARY KEY,
        system TEXT NOT NULL,
        ticket TEXT NOT NULL,
        url TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL,
        resolved_action_at TEXT
    );
    CREATE TABLE outbox (
        id INTEGER PRIMARY KEY,
        action TEXT NOT NULL,
        fingerprint TEXT NOT NULL,
        payload TEXT NOT NULL,
        queued_at TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        last_error TEXT NOT NULL DEFAULT '',
        UNIQUE (action, fingerprint)
    );
    """,
    # 3: the size of the directory each run read, for the guard against partial collections, and the run's
    # counts by status (new, reopened, open, resolved, suppressed, carried) for the trend, and the objects
    # each accepted risk by name pattern covered, so that a night can say when one covers another.
    """
    ALTER TABLE runs ADD COLUMN lists INTEGER;
    ALTER TABLE runs ADD COLUMN recipients INTEGER;
    ALTER TABLE runs ADD COLUMN memberships INTEGER;
    ALTER TABLE runs ADD COLUMN counts TEXT NOT NULL DEFAULT '{}';
    ALTER TABLE runs ADD COLUMN covered TEXT NOT NULL DEFAULT '{}';
    """,
)
LATEST = len(MIGRATIONS)

"""Logging for unattended runs: plain lines on stderr, or JSON lines for a log collector."""

from __future__ import annotations

import datetime
import json
import logging
import sys

LOGGER_NAME = "dlscan"


class JsonLines(logging.Formatter):
    """One JSON object per line: time (UTC, ISO 8601), level, message, and the logger's name."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.datetime.fromtimestamp(record.created, datetime.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "message": record.getMessage(),
            "logger": record.name,
        }
        return json.dumps(entry, ensure_ascii=False)


class _Plain(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        level = "" if record.levelno == logging.INFO else f"{record.levelname.lower()}: "
        return f"dlscan: {level}{record.getMessage()}"


def configure_logging(log_format: str = "text", level: str = "info") -> logging.Logger:
    logger = logging.getLogger(LOGGER_NAME)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonLines() if log_format == "json" else _Plain())
    logger.handlers = [handler]
    logger.setLevel(level.upper())
    logger.propagate = False
    return logger

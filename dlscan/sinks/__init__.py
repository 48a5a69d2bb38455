"""Sinks: where findings go. One small class per output format, one module each.

May import scan and every layer below it.
"""

from __future__ import annotations

from dlscan.sinks.base import COLUMNS, Sink
from dlscan.sinks.csv import CsvSink
from dlscan.sinks.html import HtmlSink
from dlscan.sinks.json import JsonSink
from dlscan.sinks.table import TableSink

SINK_CLASSES: dict[str, type[Sink]] = {s.name: s for s in (TableSink, CsvSink, JsonSink, HtmlSink)}

__all__ = ["COLUMNS", "SINK_CLASSES", "Sink"]

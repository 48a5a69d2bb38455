"""Helpers with no knowledge of directories: atomic writes, logging, progress, errors and exit codes,
secrets, the HTTP retry policy, YAML with line numbers, the derived-table cache and the cycle collector.

The bottom layer: imports nothing of dlscan's but the version (docs/architecture.md).
"""

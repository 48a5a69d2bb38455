"""Tables and lists derived from the data files of installed packages, kept between runs.

Deriving the look-alike table from Unicode's confusables data takes 25 ms in each process that needs it,
a tenth of a scan of ten thousand recipients; reading it back takes a few milliseconds. A kept table is
known by its source file (path, size, modification time) and by how dlscan derives it, so an upgraded
package or dlscan derives it afresh. The cache is only a speed-up: a table that cannot be read or
written is derived as before.

The folder: $DLSCAN_CACHE_DIR if set, else $CACHE_DIRECTORY when systemd provides one
(`CacheDirectory=dlscan`), else ~/.cache/dlscan on Linux, %LOCALAPPDATA%\\dlscan\\Cache on Windows,
~/Library/Caches/dlscan on macOS.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import orjson
import platformdirs

from dlscan.support.atomic import atomic_writer
from dlscan.support.folders import service_folder

if TYPE_CHECKING:
    from importlib.resources.abc import Traversable

log = logging.getLogger(__name__)

CACHE_DIR_VARIABLE = "DLSCAN_CACHE_DIR"

_Kept = TypeVar("_Kept", dict[int, str], list[str])


def cache_dir() -> Path:
    given = os.environ.get(CACHE_DIR_VARIABLE)
    if given:
        return Path(given)
    return service_folder("CACHE_DIRECTORY") or platformdirs.user_cache_path("dlscan", appauthor=False)


def derived_table(
    name: str, source: Traversable, derivation: int, derive: Callable[[], dict[int, str]]
) -> dict[int, str]:
    """`derive()`, or the table it gave before for the same `source` file and `derivation` (a number the
    deriving code changes whenever it would derive a different table from the same file)."""
    return _kept(name, source, derivation, derive, _table_json, _table_from_json)


def derived_strings(name: str, source: Traversable, derivation: int, derive: Callable[[], list[str]]) -> list[str]:
    """As `derived_table`, for a list of strings."""
    return _kept(name, source, derivation, derive, lambda strings: {"strings": strings}, _strings_from_json)


def _kept(
    name: str,
    source: Traversable,
    derivation: int,
    derive: Callable[[], _Kept],
    to_json: Callable[[_Kept], dict[str, Any]],
    from_json: Callable[[dict[str, Any]], _Kept | None],
) -> _Kept:
    if not isinstance(source, Path):
        return derive()  # inside a zipped package: no file to know it by
    try:
        stat = source.stat()
    except OSError:
        return derive()
    identity = f"{source.resolve()}|{stat.st_size}|{stat.st_mtime_ns}|{derivation}"
    path = cache_dir() / f"{name}-{hashlib.sha256(identity.encode('utf-8')).hexdigest()[:16]}.json"
    kept = _read(path, identity, from_json)
    if kept is not None:
        return kept
    value = derive()
    _write(path, {"source": identity, **to_json(value)})
    return value


def _read(path: Path, identity: str, from_json: Callable[[dict[str, Any]], _Kept | None]) -> _Kept | None:
    try:
        data = orjson.loads(path.read_bytes())
    except (OSError, orjson.JSONDecodeError):
        return None
    if not isinstance(data, dict) or data.get("source") != identity:
        return None
    return from_json(data)


def _table_json(table: dict[int, str]) -> dict[str, Any]:
    return {"keys": list(table), "values": list(table.values())}


def _table_from_json(data: dict[str, Any]) -> dict[int, str] | None:
    keys, values = data.get("keys"), data.get("values")
    if not isinstance(keys, list) or not isinstance(values, list) or len(keys) != len(values):
        return None
    if not all(type(k) is int for k in keys) or not all(type(v) is str for v in values):
        return None
    return dict(zip(keys, values, strict=True))


def _strings_from_json(data: dict[str, Any]) -> list[str] | None:
    strings = data.get("strings")
    if not isinstance(strings, list) or not all(type(s) is str for s in strings):
        return None
    return strings


def _write(path: Path, document: dict[str, Any]) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_writer(path, binary=True) as stream:
            stream.write(orjson.dumps(document))
    except OSError as exc:  # a read-only home, a full disk: the next run derives it again
        log.debug("could not keep the derived data %s: %s", path.name, exc)

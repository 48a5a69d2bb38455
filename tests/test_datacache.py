"""Derived tables kept between runs: used only for the same source and derivation, never required."""

from __future__ import annotations

import os

import pytest

from dlscan.matching.glyphs import _derived_skeleton_table, skeleton_table
from dlscan.support import datacache
from dlscan.support.datacache import derived_strings, derived_table

TABLE = {0x430: "a", 0x3BF: "o"}  # Cyrillic a, Greek omicron


@pytest.fixture
def source(tmp_path, monkeypatch):
    monkeypatch.setenv(datacache.CACHE_DIR_VARIABLE, str(tmp_path / "cache"))
    path = tmp_path / "data.json"
    path.write_text("{}", encoding="utf-8")
    return path


def never() -> dict[int, str]:
    raise AssertionError("derived again, though a kept table was there")


def test_a_table_is_derived_once_and_then_read_back(source):
    assert derived_table("t", source, 1, lambda: dict(TABLE)) == TABLE
    assert derived_table("t", source, 1, never) == TABLE


def test_a_changed_source_or_derivation_derives_afresh(source):
    derived_table("t", source, 1, lambda: dict(TABLE))
    assert derived_table("t", source, 2, lambda: {1: "x"}) == {1: "x"}
    source.write_text("{ }", encoding="utf-8")  # another size
    assert derived_table("t", source, 1, lambda: {2: "y"}) == {2: "y"}
    stat = source.stat()
    os.utime(source, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))  # same size, newer
    assert derived_table("t", source, 1, lambda: {3: "z"}) == {3: "z"}


@pytest.mark.parametrize("content", [b"", b"{not json", b'{"source": 1}', b"[]"])
def test_a_damaged_table_is_derived_again_and_replaced(source, content):
    derived_table("t", source, 1, lambda: dict(TABLE))
    (kept,) = datacache.cache_dir().iterdir()
    kept.write_bytes(content)
    assert derived_table("t", source, 1, lambda: dict(TABLE)) == TABLE
    assert derived_table("t", source, 1, never) == TABLE


def test_a_table_of_the_wrong_types_is_not_used(source):
    derived_table("t", source, 1, lambda: dict(TABLE))
    (kept,) = datacache.cache_dir().iterdir()
    damaged = kept.read_bytes().replace(b'"keys":[', b'"keys":["1",').replace(b'"values":[', b'"values":["x",')
    kept.write_bytes(damaged)
    assert derived_table("t", source, 1, lambda: dict(TABLE)) == TABLE


def test_a_cache_that_cannot_be_written_costs_only_speed(source, tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("", encoding="utf-8")
    monkeypatch.setenv(datacache.CACHE_DIR_VARIABLE, str(blocker / "cache"))  # under a file: cannot be made
    assert derived_table("t", source, 1, lambda: dict(TABLE)) == TABLE
    assert derived_table("t", source, 1, lambda: {1: "x"}) == {1: "x"}


def test_the_kept_skeleton_table_is_the_derived_one():
    from importlib import resources

    derived = _derived_skeleton_table(
        (resources.files("confusable_homoglyphs") / "confusables.json").read_bytes(), folded=True
    )
    skeleton_table.cache_clear()
    try:
        assert skeleton_table() == derived  # derived and kept
        skeleton_table.cache_clear()
        assert skeleton_table() == derived  # read back
        assert any(datacache.cache_dir().glob("skeleton-*.json"))
    finally:
        skeleton_table.cache_clear()


def test_the_cache_folder_is_systemds_when_it_gives_one(tmp_path, monkeypatch):
    monkeypatch.delenv(datacache.CACHE_DIR_VARIABLE)
    monkeypatch.setenv("CACHE_DIRECTORY", f"{tmp_path / 'a'}{os.pathsep}{tmp_path / 'b'}")
    assert datacache.cache_dir() == tmp_path / "a"
    monkeypatch.setenv(datacache.CACHE_DIR_VARIABLE, str(tmp_path / "mine"))
    assert datacache.cache_dir() == tmp_path / "mine"


def test_a_list_of_strings_is_kept_and_checked_like_a_table(source):
    assert derived_strings("s", source, 1, lambda: ["gov.uk", "*.ck"]) == ["gov.uk", "*.ck"]
    assert derived_strings("s", source, 1, never) == ["gov.uk", "*.ck"]
    (kept,) = datacache.cache_dir().iterdir()
    kept.write_bytes(kept.read_bytes().replace(b'"strings":[', b'"strings":[1,'))
    assert derived_strings("s", source, 1, lambda: ["com"]) == ["com"]

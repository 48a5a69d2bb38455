"""A snapshot's objects are read typed (msgspec), or built column by column, when nothing is unusual, and
exactly as the careful path builds them; anything unusual is left to the careful path, which names it."""

from __future__ import annotations

import copy

import orjson
import pytest
from conftest import ROOT, SAMPLE

from dlscan.errors import InputError
from dlscan.model import DistributionList, Recipient
from dlscan.sources import load_source
from dlscan.sources.columns import build_by_columns
from dlscan.sources.snapshot import _SLOW, _shape, read_snapshot, write_snapshot


def by_columns(cls, items):
    shape = _shape(cls)
    return build_by_columns(cls, shape.hints, shape.fast, _SLOW, items)


def carefully(cls, items):
    return [_shape(cls).build("test", f"[{i}]", item) for i, item in enumerate(items)]


@pytest.fixture(scope="module")
def document(tmp_path_factory):
    path = tmp_path_factory.mktemp("snapshot") / "sample.json"
    snapshot = load_source(SAMPLE)
    shared = load_source(ROOT / "sample_data" / "shared_service.ldif")  # attributes, owners, guests
    merged = type(snapshot)(
        source=snapshot.source,
        recipients={**snapshot.recipients, **shared.recipients},
        lists={**snapshot.lists, **shared.lists},
    )
    write_snapshot(merged, path)
    return orjson.loads(path.read_bytes())


@pytest.mark.parametrize(("key", "cls"), [("recipients", Recipient), ("lists", DistributionList)])
def test_columns_build_what_the_careful_path_builds(document, key, cls):
    items = document[key]
    built = by_columns(cls, items)
    assert built is not None and built == carefully(cls, items)
    # Fields left out of every object take their defaults, as a generator writing only what it knows does.
    trimmed = [{k: v for k, v in item.items() if k not in ("dn", "addresses")} for item in items]
    assert by_columns(cls, trimmed) == carefully(cls, trimmed)


@pytest.mark.parametrize(
    "spoil",
    [
        lambda item: item.update(display_name=7),
        lambda item: item.update(kind="mailbox"),
        lambda item: item.update(kind=["user"]),
        lambda item: item.update(addresses=["a@x.example", 3]),
        lambda item: item.update(addresses="a@x.example"),
        lambda item: item.update(enabled="yes"),
        lambda item: item.update(attributes={"colour": "red"}),
        lambda item: item.update(surprise=1),
        lambda item: item.pop("id"),
        lambda item: item.pop("dn"),  # present in the others: mixed, left to the careful path
    ],
)
def test_anything_unusual_is_left_to_the_careful_path(document, spoil):
    items = copy.deepcopy(document["recipients"])
    spoil(items[len(items) // 2])
    assert by_columns(Recipient, items) is None


def test_a_bad_object_is_still_named(document, tmp_path):
    spoilt = copy.deepcopy(document)
    spoilt["recipients"][3]["guest"] = "no"
    path = tmp_path / "bad.json"
    path.write_bytes(orjson.dumps(spoilt))
    with pytest.raises(InputError, match=r"recipients\[3\]\.guest"):
        read_snapshot(path)


def test_typed_reading_gives_what_the_careful_path_gives(document, tmp_path):
    from dlscan.sources.snapshot import snapshot_from_document
    from dlscan.sources.typed import decode_typed

    data = orjson.dumps(document)
    typed = decode_typed(data, _shape(Recipient).fast["attributes"], _SLOW)
    assert typed is not None
    rest, recipients, lists = typed
    assert snapshot_from_document(rest, "t", objects=(recipients, lists)) == snapshot_from_document(document, "t")


@pytest.mark.parametrize(
    ("spoil", "message"),
    [
        (lambda d: d["recipients"][2].update(surprise=1), r"recipients\[2\] has unknown field 'surprise'"),
        (lambda d: d["lists"][1].update(members="x"), r"lists\[1\]\.members has the wrong type"),
        (lambda d: d["recipients"][0].update(kind="mailbox"), r"recipients\[0\]\.kind is 'mailbox'"),
        (lambda d: d["recipients"][1].update(attributes={"colour": "red"}), r"unknown attribute 'colour'"),
    ],
)
def test_what_typed_reading_rejects_is_named_by_the_careful_path(document, tmp_path, spoil, message):
    spoilt = copy.deepcopy(document)
    spoil(spoilt)
    path = tmp_path / "bad.json"
    path.write_bytes(orjson.dumps(spoilt))
    with pytest.raises(InputError, match=message):
        read_snapshot(path)

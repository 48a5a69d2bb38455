"""A well-formed snapshot is read typed (msgspec), into exactly what the careful path builds; whatever
msgspec rejects is left to the careful path, which names the problem."""

from __future__ import annotations

import copy
import os
import threading

import orjson
import pytest
from conftest import ROOT, SAMPLE

from dlscan.model import Attributes
from dlscan.sources import load_source
from dlscan.sources.snapshot import read_snapshot, snapshot_from_document, write_snapshot
from dlscan.sources.typed import decode_typed
from dlscan.support.errors import InputError


def typed(document):
    found = decode_typed(orjson.dumps(document))
    if found is None:
        return None
    rest, recipients, lists = found
    return snapshot_from_document(rest, "test", objects=(recipients, lists))


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


def test_typed_reading_gives_what_the_careful_path_gives(document):
    assert typed(document) == snapshot_from_document(document, "test")
    # Fields left out take their defaults, as a generator writing only what it knows leaves them out.
    trimmed = copy.deepcopy(document)
    for key in ("recipients", "lists"):
        trimmed[key] = [{k: v for k, v in item.items() if k not in ("dn", "addresses")} for item in trimmed[key]]
    trimmed["recipients"][0].pop("attributes", None)
    assert typed(trimmed) == snapshot_from_document(trimmed, "test")


def test_recipients_with_the_same_attributes_share_one_object(document):
    recipients = typed(document).recipients.values()
    found = [r.attributes for r in recipients if r.attributes]
    assert len(found) > len(set(found)) > 1  # several recipients hold each set: the test means something
    assert all(type(a) is Attributes for a in found)
    assert len({id(a) for a in found}) == len(set(found))


@pytest.mark.parametrize(
    "spoil",
    [
        lambda d: d["recipients"][4].update(display_name=7),
        lambda d: d["recipients"][4].update(kind="mailbox"),
        lambda d: d["recipients"][4].update(kind=["user"]),
        lambda d: d["recipients"][4].update(addresses=["a@x.example", 3]),
        lambda d: d["recipients"][4].update(addresses="a@x.example"),
        lambda d: d["recipients"][4].update(enabled="yes"),
        lambda d: d["recipients"][4].update(attributes={"colour": "red"}),
        lambda d: d["recipients"][4].update(attributes={"department": 3}),
        lambda d: d["recipients"][4].update(attributes=[["department", "Housing"]]),
        lambda d: d["recipients"][4].update(surprise=1),
        lambda d: d["recipients"][4].pop("id"),
        lambda d: d["lists"][1].update(owners=[1]),
        lambda d: d["lists"][1].update(whatever=True),
    ],
)
def test_anything_unusual_is_left_to_the_careful_path(document, spoil):
    spoilt = copy.deepcopy(document)
    spoil(spoilt)
    assert typed(spoilt) is None


@pytest.mark.parametrize(
    ("spoil", "message"),
    [
        (lambda d: d["recipients"][2].update(surprise=1), r"recipients\[2\] has unknown field 'surprise'"),
        (lambda d: d["lists"][1].update(members="x"), r"lists\[1\]\.members has the wrong type"),
        (lambda d: d["recipients"][0].update(kind="mailbox"), r"recipients\[0\]\.kind is 'mailbox'"),
        (lambda d: d["recipients"][1].update(attributes={"colour": "red"}), r"unknown attribute 'colour'"),
        (lambda d: d["recipients"][3].update(guest="no"), r"recipients\[3\]\.guest"),
    ],
)
def test_what_typed_reading_rejects_is_named_by_the_careful_path(document, tmp_path, spoil, message):
    spoilt = copy.deepcopy(document)
    spoil(spoilt)
    path = tmp_path / "bad.json"
    path.write_bytes(orjson.dumps(spoilt))
    with pytest.raises(InputError, match=message):
        read_snapshot(path)


def test_a_snapshot_reads_the_same_mapped_gzipped_or_piped(document, tmp_path):
    plain, packed = tmp_path / "s.json", tmp_path / "s.json.gz"
    snapshot = snapshot_from_document(document, "test")
    write_snapshot(snapshot, plain)
    write_snapshot(snapshot, packed)
    assert packed.read_bytes()[:2] == b"\x1f\x8b"
    assert read_snapshot(plain) == read_snapshot(packed) == snapshot
    if hasattr(os, "mkfifo"):  # a file that cannot be mapped is read whole
        pipe = tmp_path / "pipe.json"
        os.mkfifo(pipe)
        writer = threading.Thread(target=pipe.write_bytes, args=(plain.read_bytes(),))
        writer.start()
        assert read_snapshot(pipe) == snapshot
        writer.join()


@pytest.mark.parametrize("content", [b"", b"{", b'{"format": "dlscan-snapshot", "format_version": 1'])
def test_an_empty_or_cut_snapshot_is_named(tmp_path, content):
    path = tmp_path / "cut.json"
    path.write_bytes(content)
    with pytest.raises(InputError, match="not valid JSON"):
        read_snapshot(path)

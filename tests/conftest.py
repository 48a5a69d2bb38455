from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from dlscan.cli.app import run
from dlscan.support.datacache import CACHE_DIR_VARIABLE

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "sample_data" / "wyvern.ldif"


@pytest.fixture(scope="session", autouse=True)
def _own_cache_dir(tmp_path_factory):
    """Derived tables are kept in the session's own folder (child processes inherit it), not the user's."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(CACHE_DIR_VARIABLE, str(tmp_path_factory.mktemp("cache")))
        yield


@dataclass
class Outcome:
    code: int
    out: str
    err: str


@pytest.fixture
def dlscan(capsys):
    """Run the real CLI in-process, returning exit code, stdout and stderr."""

    def invoke(*args: str | Path) -> Outcome:
        code = run([str(a) for a in args])
        captured = capsys.readouterr()
        return Outcome(code, captured.out, captured.err)

    return invoke


def run_process(*args: str | Path, cwd: Path | None = None) -> Outcome:
    """Run dlscan as a separate process, the way cron or Task Scheduler would."""
    done = subprocess.run(
        [sys.executable, "-m", "dlscan", *map(str, args)],
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=cwd,
        timeout=120,
        check=False,
    )
    return Outcome(done.returncode, done.stdout, done.stderr)


LDIF_HEAD = """version: 1

dn: DC=corp,DC=example
objectClass: domainDNS

dn: CN=Alice,OU=Staff,DC=corp,DC=example
objectClass: user
mail: alice@corp.example

"""


@pytest.fixture
def write_ldif(tmp_path):
    def write(body: str | bytes, name: str = "export.ldif", head: str = LDIF_HEAD) -> Path:
        path = tmp_path / name
        data = body if isinstance(body, bytes) else body.encode("utf-8")
        path.write_bytes(head.encode("utf-8") + data)
        return path

    return write


def empty_scan_result():
    """The result of scanning an empty directory: the context a sink needs beside findings made by hand."""
    from dlscan.boundary import parse_domain_option
    from dlscan.checks import rule_specs
    from dlscan.checks.rulepack import load_rule_pack
    from dlscan.model import Snapshot, SourceInfo
    from dlscan.scan.engine import run_scan

    return run_scan(Snapshot(source=SourceInfo(kind="ldif", name="empty.ldif"), recipients={}, lists={}),
                    [parse_domain_option("example.org", "test")],
                    load_rule_pack(rule_specs()))  # fmt: skip


@pytest.fixture(scope="module")
def night_files(tmp_path_factory):
    """Three nights of the sample council, as snapshots (tests/nights.py says what each changes)."""
    from nights import three_nights

    return three_nights(SAMPLE, tmp_path_factory.mktemp("nights"))


@pytest.fixture(scope="module")
def expected(night_files):
    """What a plain scan finds each night, by finding id (held to the reviewed list in test_nightly)."""
    from nights import findings_of

    return [findings_of(path) for path in night_files]

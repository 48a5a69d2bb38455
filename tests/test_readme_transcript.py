"""The README's three-night transcript is what `dlscan run` prints: each line of it shown there (the
elisions `…` aside) is found in the real nights' output, run as the README tells them, with Jira down on
the second night.
"""

from __future__ import annotations

import datetime
import re
from functools import partial

import pytest
from conftest import ROOT, SAMPLE
from nights import three_nights
from ticket_servers import JiraApp, TicketServer, basic

from dlscan.operations.nightly import NightlyOptions

NIGHTS = [datetime.datetime(2026, 11, day, 2, 0, tzinfo=datetime.UTC) for day in (20, 21, 22)]


def transcript_nights() -> list[list[str]]:
    """The README's lines of each `$ dlscan run` in its nightly transcript, comments and elisions left out."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = text.split("## Nightly runs", 1)[1].split("```text", 1)[1].split("```", 1)[0]
    nights = [part.splitlines()[1:] for part in block.split("$ dlscan run")[1:]]
    return [[line for line in night if line.strip() and not line.lstrip().startswith("…")] for night in nights]


@pytest.fixture
def jira(monkeypatch):
    monkeypatch.setenv("JIRA_USER", "dlscan@wyvern.gov.uk")
    monkeypatch.setenv("JIRA_TOKEN", "jira-token")
    app = JiraApp(expected_auth=basic("dlscan@wyvern.gov.uk", "jira-token"))
    server = TicketServer(app)
    yield app, server
    server.close()


def test_the_readme_transcript_is_what_the_nights_print(tmp_path, dlscan, monkeypatch, jira):
    app, server = jira
    files = three_nights(SAMPLE, tmp_path)
    shown = transcript_nights()
    assert len(shown) == 3
    for night, (source, expected_lines) in enumerate(zip(files, shown, strict=True)):
        config = tmp_path / "dlscan.toml"
        config.write_text(
            f'[run]\ninput = "{source.as_posix()}"\nstate_dir = "state"\n'
            '[tickets]\nsystem = "jira"\nmin_severity = "high"\non_resolve = "close"\n'
            f'[tickets.jira]\nurl = "{server.url}"\napi_version = 2\nproject = "SEC"\n'
            'user_env = "JIRA_USER"\ntoken_env = "JIRA_TOKEN"\n',
            encoding="utf-8",
        )
        app.down = night == 1
        monkeypatch.setattr(
            "dlscan.operations.nightly.NightlyOptions",
            partial(NightlyOptions, clock=lambda when=NIGHTS[night]: when, retry_time_scale=0.0),
        )
        outcome = dlscan("run", "--config", config, "--fail-on", "never")
        printed = (outcome.err + outcome.out).replace(server.url, "https://corp.atlassian.net").splitlines()
        for line in expected_lines:
            wanted = re.sub(r"\s+#.*$", "", line).rstrip()
            assert any(wanted == got.rstrip() for got in printed), f"night {night + 1}: {wanted!r} not printed"

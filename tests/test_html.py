"""The HTML report in a real browser: Debian's Chromium, headless, JavaScript on, nothing fetched."""

from __future__ import annotations

import dataclasses
import os
import re
import shutil
from pathlib import Path

import msgspec
import pytest
from browser import chromium_path, visit
from conftest import ROOT, SAMPLE

from dlscan.model import DistributionList, Recipient, RecipientKind
from dlscan.sources import load_source
from dlscan.sources.snapshot import write_snapshot

SCREENSHOT = ROOT / "docs" / "images" / "report.png"


@pytest.fixture(scope="module", autouse=True)
def chromium():
    if chromium_path() is None:
        pytest.fail("the HTML tests need Chromium: apt-get install chromium (tests/run.sh does)")


@pytest.fixture(scope="module")
def sample_report(tmp_path_factory):
    from dlscan.cli.app import run

    path = tmp_path_factory.mktemp("report") / "wyvern.html"
    assert run(["scan", str(SAMPLE), "--format", "html", "--output", str(path), "--fail-on", "never"]) == 0
    return path


def assert_clean(seen, path: Path) -> None:
    assert seen.errors == [] and seen.dialogs == []
    assert [m for m in seen.console if m.startswith(("error", "warning"))] == []
    assert seen.requests == [path.resolve().as_uri()]


def test_sample_report_renders_counts_diagram_and_pair(sample_report, tmp_path):
    with visit(sample_report) as seen:
        page = seen.page
        tiles = {t.get_attribute("data-severity"): int(t.locator(".n").inner_text())
                 for t in page.locator("#severity-counts li").all()}  # fmt: skip
        assert tiles == {"critical": 10, "high": 16, "medium": 12, "low": 11, "info": 1}
        assert page.inner_text("#shown-count") == "50 of 50 findings shown"  # the script ran
        lead = page.locator("#fix-first tbody tr")
        assert lead.count() == 10
        assert lead.first.locator("td").nth(1).inner_text().startswith("Children's Services All")
        target = lead.first.locator("a").get_attribute("href")
        assert "Children's Services All" in page.locator(f"article.card{target}").text_content()
        card = page.locator("article.card", has_text="DL002 hidden-external")
        boxes = card.locator("svg g text").all_text_contents()
        assert boxes == ["Children's Services All", "Children's Services Partners", "anna.kowalski@wyvern.police.uk"]
        pair = page.locator("article.card", has_text="DL005 confusable-lists: Ch\u0456ldren's Services Team")
        assert pair.locator(".pair mark").first.text_content() == "\u0456"
        assert "U+0456 CYRILLIC SMALL LETTER" in pair.locator(".pair small").text_content()
        page.screenshot(path=str(tmp_path / "report.png"))
        if os.environ.get("DLSCAN_UPDATE_SCREENSHOTS"):
            SCREENSHOT.parent.mkdir(exist_ok=True)
            shutil.copy(tmp_path / "report.png", SCREENSHOT)
    assert_clean(seen, sample_report)


def test_table_filters_and_sorts_with_the_keyboard(sample_report):
    with visit(sample_report) as seen:
        page = seen.page
        page.focus("#filter-severity")
        page.select_option("#filter-severity", "critical")
        assert page.inner_text("#shown-count") == "10 of 50 findings shown"
        assert page.locator("#findings-table tbody tr:not(.hidden)").count() == 10
        assert page.locator("article.card:not(.hidden)").count() == 10
        page.fill("#filter-text", "fostering")
        assert page.inner_text("#shown-count") == "1 of 50 findings shown"
        page.fill("#filter-text", "")
        page.select_option("#filter-severity", "")
        list_header = page.locator("#findings-table thead th", has_text="List")
        list_header.locator("button").focus()
        page.keyboard.press("Enter")
        assert list_header.get_attribute("aria-sort") == "ascending"
        names = page.locator("#findings-table tbody tr td:nth-child(3)").all_inner_texts()
        assert names == sorted(names, key=str.lower)
        page.keyboard.press("Space")
        assert list_header.get_attribute("aria-sort") == "descending"
        severities = page.locator("#findings-table tbody tr td:first-child").all_inner_texts()
        assert severities != sorted(severities)
    assert_clean(seen, sample_report)


def test_print_styles_hide_the_controls_and_show_every_card(sample_report):
    with visit(sample_report) as seen:
        page = seen.page
        page.select_option("#filter-severity", "critical")
        page.emulate_media(media="print")
        assert not page.locator("#filters").is_visible()
        assert page.locator("article.card").nth(30).is_visible()
    assert_clean(seen, sample_report)


PAYLOADS = (
    "<script>window.__pwned = 1</script>",
    '<img src=x onerror="window.__pwned = 2">',
    '"><svg onload="window.__pwned = 3">',
    "</textarea></style></script><script>alert(4)</script>",
    "javascript:alert(5)",
)


def test_markup_in_directory_values_is_shown_never_run(tmp_path):
    from dlscan.cli.app import run

    snapshot = load_source(SAMPLE)
    lists = dict(snapshot.lists)
    recipients = dict(snapshot.recipients)
    victims = sorted(lists.values(), key=lambda g: g.id)[: len(PAYLOADS)]
    for payload, group in zip(PAYLOADS, victims, strict=True):
        lists[group.id] = msgspec.structs.replace(group, display_name=f"Team {payload}", description=payload)
    outsider = Recipient(id="evil", kind=RecipientKind.CONTACT, display_name=PAYLOADS[1],
                         primary_address='x"><script>alert(6)</script>@evil.example',
                         addresses=('x"><script>alert(6)</script>@evil.example',))  # fmt: skip
    recipients["evil"] = outsider
    twin: DistributionList = victims[0]
    lists[twin.id] = msgspec.structs.replace(lists[twin.id], members=(*twin.members, "evil"))
    source = tmp_path / "hostile.json"
    write_snapshot(dataclasses.replace(snapshot, lists=lists, recipients=recipients), source)
    report = tmp_path / "hostile.html"
    assert run(["scan", str(source), "--format", "html", "--output", str(report), "--fail-on", "never"]) == 0
    html = report.read_text(encoding="utf-8")
    scripts = re.findall(r"<script\b", html)
    assert len(scripts) == 1  # ours alone
    assert "onerror=" not in html.replace("onerror=&#34;", "").replace("onerror=&quot;", "")
    with visit(report) as seen:
        page = seen.page
        assert page.evaluate("window.__pwned") is None
        assert "Team <script>window.__pwned = 1</script>" in page.text_content("body")
        assert page.locator("img").count() == 0
    assert_clean(seen, report)


def test_report_from_the_nightly_job_shows_status_and_trend(tmp_path):
    from dlscan.cli.app import run

    config = tmp_path / "dlscan.toml"
    config.write_text(
        f'[run]\ninput = "{SAMPLE.as_posix()}"\nstate_dir = "state"\nhtml = "report.html"\n', encoding="utf-8"
    )
    for _ in range(3):
        assert run(["run", "--config", str(config), "--fail-on", "never"]) == 0
    report = tmp_path / "report.html"
    with visit(report) as seen:
        page = seen.page
        assert page.locator("svg.trend rect").count() == 3
        assert page.locator("#findings-table thead th", has_text="Status").count() == 1
        assert set(page.locator("#findings-table tbody .status").all_inner_texts()) == {"open"}
    assert_clean(seen, report)

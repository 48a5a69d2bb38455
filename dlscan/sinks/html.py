"""One self-contained HTML file for people: overview, trend, diagrams, confusable pairs, a sortable table.

No network: styles and script are inline, and a Content-Security-Policy allows exactly those two (by
hash) and nothing else. Every directory value goes through Jinja2's autoescaping, so a list named
`<script>` is shown, never run; the policy would stop it even if it slipped through.
"""

from __future__ import annotations

import base64
import hashlib
from importlib.resources import files
from typing import IO

from dlscan.findings import Finding
from dlscan.scan.engine import ScanResult
from dlscan.sinks.base import RunView, Sink


class HtmlSink(Sink):
    name = "html"

    def write(self, result: ScanResult, findings: list[Finding], stream: IO, run: RunView | None = None) -> None:
        import jinja2  # imported here: only this format needs it

        from dlscan.sinks.report.model import TREND_HEIGHT, TREND_WIDTH, build_report

        templates = files("dlscan") / "templates"
        css = (templates / "report.css").read_text(encoding="utf-8")
        js = (templates / "report.js").read_text(encoding="utf-8")
        environment = jinja2.Environment(
            loader=jinja2.FunctionLoader(lambda name: (templates / name).read_text(encoding="utf-8")),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
        )
        page = environment.get_template("report.html.j2").render(
            r=build_report(result, findings, run),
            css=css,
            js=js,
            css_hash=_csp_hash(css),
            js_hash=_csp_hash(js),
            trend_width=TREND_WIDTH,
            trend_height=TREND_HEIGHT,
        )
        stream.write(page)


def _csp_hash(text: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")

"""The report as one self-contained HTML file: headline numbers, every chart (SVG inside data: URIs), then
the tables. No script, no stylesheet or font to fetch: it opens offline and attaches to an email as is."""

import base64
import html
from pathlib import Path
from typing import Any

from hiring.reports.tables import Alert, Section, dur, pct, scope_line, sections

CSS = """
body { font: 14px/1.45 -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; color: #1f2933; margin: 24px auto;
       max-width: 1160px; padding: 0 16px; background: #fff; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 17px; margin: 32px 0 8px; border-bottom: 1px solid #e4e7eb; padding-bottom: 4px; }
.scope { color: #52606d; margin: 0 0 16px; }
.kpis { display: flex; flex-wrap: wrap; gap: 12px; margin: 16px 0 8px; }
.kpi { border: 1px solid #e4e7eb; border-radius: 8px; padding: 10px 14px; flex: 1 1 0; min-width: 110px; }
.kpi b { display: block; font-size: 22px; }
.kpi span { color: #52606d; font-size: 12px; }
.kpi.bad b { color: #d64545; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(520px, 1fr)); gap: 16px; }
figure { margin: 0; border: 1px solid #e4e7eb; border-radius: 8px; padding: 8px; }
figure.wide { grid-column: 1 / -1; }
figure img { width: 100%; height: auto; display: block; }
figcaption { color: #52606d; font-size: 12px; padding-top: 4px; }
table { border-collapse: collapse; margin: 4px 0; font-size: 13px; }
th, td { padding: 4px 10px; border-bottom: 1px solid #e4e7eb; text-align: right; white-space: nowrap; }
th:first-child, td:first-child { text-align: left; }
th { background: #f5f7fa; }
td.alert { color: #d64545; font-weight: bold; }
.note { color: #52606d; font-size: 12px; margin: 2px 0; }
footer { color: #9aa5b1; font-size: 12px; margin-top: 32px; }
"""


WIDE = {"sources"}  # charts that take the whole width of the page


def headline(report: dict[str, Any]) -> list[tuple[str, str, bool]]:
    """The numbers a lead reads first: (value, label, needs attention)."""
    funnel = {r["stage"]: r["reached"] for r in report["funnel"]}
    sourced, hired = funnel.get("sourced", 0), funnel.get("onboarding_30", 0)
    d = report["decisions"]
    overdue = sum(c["open_overdue"] for c in report["sla"]["timers"].values())
    late_decisions = d["decided_n"] - d["within_window"] + sum(p["over_window"] for p in d["pending"])
    return [
        (str(report["scope"]["candidates"]), "candidates", False),
        (str(report["scope"]["active"]), "active now", False),
        (f"{hired}", f"hired ({pct(hired / sourced) if sourced else '-'} of sourced)", False),
        (dur(report["time_to_hire"]["median_hours"]), "median time to hire", False),
        (f"{d['within_window']}/{d['decided_n']}", f"decisions within {d['window_hours']:.0f} h", late_decisions > 0),
        (str(overdue), "SLA timers overdue now", overdue > 0),
        (pct(report["offers"]["acceptance_rate"]), "offer acceptance", False),
    ]


def _table(section: Section) -> str:
    head = "".join(f"<th>{html.escape(c)}</th>" for c in section.columns)
    body = []
    for row in section.rows:
        cells = "".join(
            f'<td class="alert">{html.escape(c)}</td>' if isinstance(c, Alert) else f"<td>{html.escape(c)}</td>"
            for c in row
        )
        body.append(f"<tr>{cells}</tr>")
    notes = "".join(f'<p class="note">{html.escape(n)}</p>' for n in section.notes)
    return (
        f'<h2 id="{section.key}">{html.escape(section.title)}</h2>\n<table><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table>{notes}"
    )


def render_html(report: dict[str, Any], charts: dict[str, bytes] | None = None) -> str:
    """The whole page. `charts` maps chart name to SVG bytes (drawn here when not given)."""
    from hiring.reports import charts as chart_module

    if charts is None:
        charts = {name: chart_module.svg(fig) for name, fig in chart_module.draw(report).items()}
    kpis = "".join(
        f'<div class="kpi{" bad" if bad else ""}"><b>{html.escape(value)}</b><span>{html.escape(text)}</span></div>'
        for value, text, bad in headline(report)
    )
    figures = []
    for name, svg in charts.items():
        caption = chart_module.CHARTS[name][0]
        data = base64.b64encode(svg).decode("ascii")
        wide = ' class="wide"' if name in WIDE else ""
        figures.append(
            f'<figure id="chart-{name}"{wide}><img alt="{html.escape(caption)}" '
            f'src="data:image/svg+xml;base64,{data}"><figcaption>{html.escape(caption)}</figcaption>'
            "</figure>"
        )
    tables = "\n".join(_table(s) for s in sections(report))
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Pipeline report</title>
<style>{CSS}</style>
</head>
<body>
<h1>Pipeline report</h1>
<p class="scope">{html.escape(scope_line(report))}</p>
<div class="kpis">{kpis}</div>
<div class="charts">
{chr(10).join(figures)}
</div>
{tables}
<footer>hiring-pipeline: every number is derived from the event log, the SLA timers and the escalations.</footer>
</body>
</html>
"""


def write_html(report: dict[str, Any], path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_html(report), encoding="utf-8")
    return path


def write_pngs(report: dict[str, Any], folder: Path) -> list[Path]:
    """One PNG per chart, named after it (funnel.png, ...)."""
    from hiring.reports import charts as chart_module

    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, fig in chart_module.draw(report).items():
        path = folder / f"{name}.png"
        path.write_bytes(chart_module.png(fig))
        written.append(path)
    return written

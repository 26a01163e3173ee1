"""The report's charts, drawn with matplotlib's object API (no pyplot: no global state, no GUI backend).

Import this module only when charts are wanted: matplotlib costs about half a second to import.
Every chart is drawn from the report dict alone, and draws a "no data yet" panel rather than failing.
"""

import io
from collections.abc import Callable
from typing import Any

import matplotlib

matplotlib.use("Agg")  # before anything else of matplotlib: never a GUI backend

from matplotlib.axes import Axes
from matplotlib.axis import Axis
from matplotlib.container import BarContainer
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator
from matplotlib.typing import RcKeyType

INK = "#1f2933"
MUTED = "#9aa5b1"
GRID = "#e4e7eb"
BLUE = ("#d3e4f5", "#8fb8e0", "#4a89c8", "#1d4f91")  # light to dark
GREEN = "#3f9d5a"
RED = "#d64545"
ORANGE = "#e8833a"
STYLE: dict[RcKeyType, Any] = {
    "font.size": 9,
    "axes.edgecolor": MUTED,
    "axes.labelcolor": INK,
    "axes.titlesize": 11,
    "axes.titleweight": "bold",
    "axes.titlelocation": "left",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "xtick.color": INK,
    "ytick.color": INK,
    "svg.hashsalt": "hiring-pipeline",  # the same report gives the same SVG
    "svg.fonttype": "path",  # glyphs as paths: the SVG needs no font installed where it is opened
}


def _integer_ticks(axis: Axis) -> None:
    locator = axis.get_major_locator()
    assert isinstance(locator, MaxNLocator)  # matplotlib's default AutoLocator is one
    locator.set_params(integer=True)


def _figure(width: float = 8, height: float = 4.2) -> Figure:
    return Figure(figsize=(width, height), layout="constrained")


def _empty(ax: Axes, text: str = "no data yet") -> None:
    ax.text(0.5, 0.5, text, ha="center", va="center", color=MUTED, fontsize=12, transform=ax.transAxes)
    ax.set_xticks([])
    ax.set_yticks([])


def _days(hours: float | None) -> float:
    return (hours or 0.0) / 24


# --- the charts ---------------------------------------------------------------------------------


def funnel(report: dict[str, Any]) -> Figure:
    fig = _figure()
    ax = fig.add_subplot()
    rows = report["funnel"]
    ax.set_title("Funnel: candidates who reached each stage")
    if not rows or rows[0]["reached"] == 0:
        _empty(ax)
        return fig
    names = [("hired (onboarding_30)" if r["stage"] == "onboarding_30" else r["stage"]) for r in rows]
    counts = [r["reached"] for r in rows]
    colors = [BLUE[min(3, i // 3 + 1)] for i in range(len(rows))]
    bars = ax.barh(names, counts, color=colors, height=0.7)
    ax.invert_yaxis()
    top = max(counts)
    for i, (bar, count) in enumerate(zip(bars, counts, strict=True)):
        text = f"{count}"
        if i and counts[i - 1]:
            text += f"  ({100 * count / counts[i - 1]:.0f}% of {rows[i - 1]['stage']})"
        ax.text(bar.get_width() + top * 0.01, bar.get_y() + bar.get_height() / 2, text, va="center", color=INK)
    ax.set_xlim(0, top * 1.45)
    ax.set_xlabel("candidates (each counted once per stage, re-opened or not)")
    ax.grid(axis="x", color=GRID)
    ax.set_axisbelow(True)
    return fig


def time_in_stage(report: dict[str, Any]) -> Figure:
    fig = _figure()
    ax = fig.add_subplot()
    ax.set_title("Time in stage (days): median and p90 of finished stays; open stays in red")
    rows = [r for r in report["time_in_stage"] if r["n"] or r["in_stage_now"]]
    if not rows:
        _empty(ax)
        return fig
    names = [r["stage"] for r in rows]
    ax.barh(names, [_days(r["p90_hours"]) for r in rows], color=BLUE[0], height=0.7, label="p90")
    ax.barh(names, [_days(r["median_hours"]) for r in rows], color=BLUE[2], height=0.45, label="median")
    open_rows = [
        (r["stage"], _days(r["median_age_hours"]), _days(r["max_age_hours"])) for r in rows if r["in_stage_now"]
    ]
    if open_rows:
        ax.scatter(
            [m for _, m, _ in open_rows],
            [s for s, _, _ in open_rows],
            color=RED,
            marker="o",
            zorder=3,
            label="median age of open stays",
        )
        ax.scatter(
            [x for _, _, x in open_rows],
            [s for s, _, _ in open_rows],
            color=RED,
            marker="|",
            s=120,
            zorder=3,
            label="oldest open stay",
        )
    ax.invert_yaxis()
    ax.set_xlabel("days")
    ax.grid(axis="x", color=GRID)
    ax.set_axisbelow(True)
    fig.legend(loc="outside lower center", ncols=4, frameon=False)
    return fig


def sla_breaches(report: dict[str, Any]) -> Figure:
    fig = _figure()
    ax = fig.add_subplot()
    ax.set_title("SLA breaches by stage")
    by_stage = report["sla"]["by_stage"]
    stages = [s for s, c in by_stage.items() if c["met"] or c["breached"] or c["open_overdue"]]
    if not stages:
        _empty(ax, "no SLA timer has come due yet")
        return fig
    breached = [by_stage[s]["breached"] for s in stages]
    overdue = [by_stage[s]["open_overdue"] for s in stages]
    ax.bar(stages, breached, color=RED, label="breached (closed late)")
    ax.bar(stages, overdue, bottom=breached, color=ORANGE, label="open and overdue now")
    peak = max((b + o for b, o in zip(breached, overdue, strict=True)), default=0) or 1
    for i, s in enumerate(stages):
        c = by_stage[s]
        due = c["met"] + c["breached"] + c["open_overdue"]
        ax.text(
            i,
            breached[i] + overdue[i] + peak * 0.02,
            f"{100 * c['met'] / due:.0f}% on time\n({due} due)",
            ha="center",
            va="bottom",
            fontsize=8,
            color=INK,
        )
    ax.set_ylim(0, peak * 1.35)
    _integer_ticks(ax.yaxis)
    ax.set_ylabel("timers")
    ax.tick_params(axis="x", labelrotation=20)
    ax.grid(axis="y", color=GRID)
    ax.set_axisbelow(True)
    ax.legend(loc="upper right", frameon=False)
    return fig


def decision_time(report: dict[str, Any]) -> Figure:
    fig = _figure()
    ax = fig.add_subplot()
    d = report["decisions"]
    window = d["window_hours"]
    hours = d["hours"]
    waiting = [p["waiting_hours"] for p in d["pending"]]
    title = "Decision time: fourth final-interview part to offer or reject"
    if hours:
        title += f"  ({d['within_window']} of {len(hours)} within {window:.0f} h)"
    ax.set_title(title)
    if not hours and not waiting:
        _empty(ax, "no final loop completed yet")
        return fig
    step = 12.0
    top = max([*hours, *waiting, window]) + step
    edges = [i * step for i in range(int(top // step) + 1)]
    _, _, patches = ax.hist(hours, bins=edges, edgecolor="white", label="decided")
    assert isinstance(patches, BarContainer)  # one data set, histtype "bar"
    for patch, left in zip(patches, edges, strict=False):
        patch.set_facecolor(GREEN if left + step <= window else RED)
    if waiting:
        ax.scatter(
            waiting,
            [0.15] * len(waiting),
            marker="v",
            s=70,
            color=RED,
            zorder=3,
            label=f"still waiting ({len(waiting)})",
        )
    ax.axvline(window, color=INK, linestyle="--", linewidth=1)
    ax.text(window, ax.get_ylim()[1] * 0.95, f" {window:.0f} h window", color=INK, va="top")
    ax.set_xlabel("hours")
    ax.set_ylabel("decisions")
    _integer_ticks(ax.yaxis)
    ax.grid(axis="y", color=GRID)
    ax.set_axisbelow(True)
    ax.legend(loc="upper right", frameon=False)
    return fig


def sources(report: dict[str, Any]) -> Figure:
    rows = report["sources"]
    profiles = sorted({r["role_profile"] for r in rows})
    cols = max(1, min(4, len(profiles)))  # one row of panels for the usual four profiles
    nrows = max(1, -(-len(profiles) // cols))
    fig = _figure(max(8.0, 3.6 * cols), 3.0 * nrows + 0.8)
    fig.suptitle(
        "Sources by role profile: candidates, to take-home, offers, hires",
        x=0.01,
        ha="left",
        fontweight="bold",
        fontsize=11,
    )
    if not profiles:
        _empty(fig.add_subplot())
        return fig
    series = (("candidates", BLUE[1]), ("take_home", BLUE[2]), ("offers", BLUE[3]), ("hires", GREEN))
    height = 0.8 / len(series)
    peak = max(r["candidates"] for r in rows)
    for i, profile in enumerate(profiles):
        ax = fig.add_subplot(nrows, cols, i + 1)
        mine = [r for r in rows if r["role_profile"] == profile]
        ys = range(len(mine))
        for k, (key, color) in enumerate(series):
            ax.barh(
                [y - 0.4 + height * (k + 0.5) for y in ys],
                [r[key] for r in mine],
                height=height,
                color=color,
                label=key.replace("_", "-"),
            )
        ax.set_yticks(list(ys), [r["source"].replace("_", " ") for r in mine])
        ax.invert_yaxis()
        ax.set_xlim(0, peak * 1.05)
        ax.set_title(profile, fontsize=9)
        _integer_ticks(ax.xaxis)
        ax.grid(axis="x", color=GRID)
        ax.set_axisbelow(True)
    handles, labels = fig.axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncols=len(series), frameon=False)
    return fig


def predictors(report: dict[str, Any]) -> Figure:
    from hiring.reports.predictors import label

    o = report["outcome_predictors"]
    every = o["all"]
    fig = _figure(8, 5.6)
    ax = fig.add_subplot()
    ax.set_title(f"Rank correlation with the day-90 rating ({every['hires']} rated hire(s))")
    if not every["enough"]:
        _empty(ax, f"too few hires to say: {every['hires']} with a day-90 rating, {o['min_hires']} needed")
        return fig
    figures = every["figures"]
    ys = range(len(figures))
    rhos = [f["rho"] or 0.0 for f in figures]
    ax.barh(list(ys), rhos, color=[GREEN if r > 0 else RED for r in rhos], height=0.6, label="all hires")
    for y, f in zip(ys, figures, strict=True):
        text = f"n {f['n']}" if f["rho"] is not None else f"{f['reading']} (n {f['n']})"
        ax.text(1.08, y, text, va="center", fontsize=8, color=INK if f["rho"] is not None else MUTED)
    markers = iter("osD^v")
    for group in (g for g in o["by_profile"] if g["enough"]):
        points = [(f["rho"], y) for y, f in zip(ys, group["figures"], strict=True) if f["rho"] is not None]
        ax.scatter(
            [x for x, _ in points],
            [y for _, y in points],
            marker=next(markers, "o"),
            color=INK,
            zorder=3,
            label=group["role_profile"],
        )
    ax.set_yticks(list(ys), [label(f) for f in figures])
    ax.invert_yaxis()
    ax.set_xlim(-1.05, 1.05)
    ax.axvline(0, color=MUTED, linewidth=1)
    ax.set_xlabel("Spearman's rho (-1 to +1): a correlation, not a cause")
    ax.grid(axis="x", color=GRID)
    ax.set_axisbelow(True)
    fig.legend(loc="outside lower center", ncols=4, frameon=False)
    return fig


# The charts, in the order the HTML shows them; the name is the PNG's file name.
CHARTS: dict[str, tuple[str, Callable[[dict[str, Any]], Figure]]] = {
    "funnel": ("Funnel", funnel),
    "time-in-stage": ("Time in stage", time_in_stage),
    "sla-breaches": ("SLA breaches by stage", sla_breaches),
    "decision-time": ("Decision time against the 48-hour window", decision_time),
    "sources": ("Sources by role profile", sources),
    "predictors": ("What predicted the hires who shipped (Spearman's rho with the day-90 rating)", predictors),
}


def draw(report: dict[str, Any]) -> dict[str, Figure]:
    with matplotlib.rc_context(STYLE):
        return {name: build(report) for name, (_, build) in CHARTS.items()}


def svg(fig: Figure) -> bytes:
    buf = io.BytesIO()
    with matplotlib.rc_context(STYLE):
        fig.savefig(buf, format="svg", metadata={"Date": None})
    return buf.getvalue()


def png(fig: Figure, dpi: int = 150) -> bytes:
    buf = io.BytesIO()
    with matplotlib.rc_context(STYLE):
        fig.savefig(buf, format="png", dpi=dpi, facecolor="white")
    return buf.getvalue()

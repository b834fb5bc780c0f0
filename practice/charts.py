"""Server-rendered SVG trend charts of outcome measures, with doses marked. No JavaScript."""

import datetime
import itertools

from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from practice import instruments

WIDTH, HEIGHT = 640, 220
LEFT, RIGHT, TOP, BOTTOM = 40, 16, 12, 30
BAND_COLORS = {
    "minimal": "#e8f5ec",
    "mild": "#f3f8e6",
    "moderate": "#fff8e6",
    "moderately severe": "#fdf0e6",
    "severe": "#fdecea",
    "below PTSD cut-point": "#e8f5ec",
    "probable PTSD": "#fdecea",
}


def measure_trend_svg(summary, dose_times: list[datetime.datetime], clinic) -> SafeString:
    """A line chart of `summary.responses` over time on the instrument's full scale, severity
    bands shaded, each dose a dashed vertical line. Returns '' when there is nothing to plot."""
    responses = summary.responses
    if not responses:
        return mark_safe("")
    spec = instruments.spec(summary.instrument)
    zone = clinic.zone
    times = [r.answered_at for r in responses] + list(dose_times)
    start, end = min(times), max(times)
    if end - start < datetime.timedelta(days=7):
        start -= datetime.timedelta(days=3)
        end += datetime.timedelta(days=3)
    span = (end - start).total_seconds()
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(moment) -> float:
        return round(LEFT + plot_w * (moment - start).total_seconds() / span, 1)

    def y(score) -> float:
        return round(TOP + plot_h * (1 - score / spec.max_score), 1)

    parts = []
    bands = [*spec.bands, (spec.max_score + 1, "")]
    for (lowest, label), (next_lowest, _) in itertools.pairwise(bands):
        top, bottom = y(min(next_lowest, spec.max_score)), y(lowest)
        parts.append(
            f'<rect class="band" x="{LEFT}" y="{top}" width="{plot_w}" '
            f'height="{round(bottom - top, 1)}" fill="{BAND_COLORS.get(label, "#fff")}">'
            f"<title>{escape(label)} ({lowest}+)</title></rect>"
        )
        parts.append(f'<text x="{LEFT - 6}" y="{bottom - 2}" text-anchor="end">{lowest}</text>')
    parts.append(
        f'<line class="axis" x1="{LEFT}" y1="{TOP + plot_h}" x2="{LEFT + plot_w}" '
        f'y2="{TOP + plot_h}"/>'
    )
    for number, moment in enumerate(sorted(dose_times), start=1):
        local = timezone.localtime(moment, zone)
        parts.append(
            f'<line class="dose" x1="{x(moment)}" y1="{TOP}" x2="{x(moment)}" '
            f'y2="{TOP + plot_h}"><title>Dose {number}, {local:%b %-d}</title></line>'
        )
    points = " ".join(f"{x(r.answered_at)},{y(r.score)}" for r in responses)
    parts.append(f'<polyline class="line" points="{points}"/>')
    for response in responses:
        local = timezone.localtime(response.answered_at, zone)
        cx, cy = x(response.answered_at), y(response.score)
        title = f"{local:%b %-d}: {response.score} ({escape(response.severity)})"
        parts.append(
            f'<circle class="dot" cx="{cx}" cy="{cy}" r="4"><title>{title}</title></circle>'
        )
    for moment, anchor in ((start, "start"), (end, "end")):
        local = timezone.localtime(moment, zone)
        parts.append(
            f'<text x="{x(moment)}" y="{HEIGHT - 10}" text-anchor="{anchor}">'
            f"{local:%b %-d, %Y}</text>"
        )
    if dose_times:
        parts.append(
            f'<text x="{LEFT + plot_w}" y="{TOP + 10}" text-anchor="end">'
            f"┆ dashed lines: doses ({len(dose_times)})</text>"
        )
    first, last = responses[0].score, responses[-1].score
    label = f"{spec.name} trend: {first} to {last} over {len(responses)} answers"
    svg = (
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="{escape(label)}" data-instrument="{escape(summary.instrument)}" '
        f'xmlns="http://www.w3.org/2000/svg">{"".join(parts)}</svg>'
    )
    return mark_safe(svg)  # noqa: S308 - built from numbers and escaped labels only

"""Server-rendered SVG trend charts of outcome measures, with doses marked. No JavaScript."""

import datetime
import itertools
from typing import NamedTuple

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


# What each questionnaire measures, in the words the portal uses with patients.
PLAIN_TOPICS = {
    "PHQ-9": "Low mood",
    "GAD-7": "Worry and anxiety",
    "PCL-5": "Stress after a trauma",
}


def plain_topic(summary) -> str:
    """The portal's name for what a questionnaire measures ("Low mood (PHQ-9)")."""
    name = instruments.spec(summary.instrument).name
    topic = PLAIN_TOPICS.get(name)
    return f"{topic} ({name})" if topic else name


def measure_trend_svg(
    summary, dose_times: list[datetime.datetime], clinic, *, plain: bool = False
) -> SafeString:
    """A line chart of `summary.responses` over time on the instrument's full scale, severity
    bands shaded, each dose a dashed vertical line. Returns '' when there is nothing to plot.

    `plain` words the labels for the patient (the portal): "your score", "your dosing
    sessions", "lower means fewer symptoms"."""
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
            f'y2="{TOP + plot_h}"><title>{"Your dosing session" if plain else "Dose"} '
            f"{number}, {local:%b %-d}</title></line>"
        )
    points = " ".join(f"{x(r.answered_at)},{y(r.score)}" for r in responses)
    parts.append(f'<polyline class="line" points="{points}"/>')
    for response in responses:
        local = timezone.localtime(response.answered_at, zone)
        cx, cy = x(response.answered_at), y(response.score)
        title = f"{local:%b %-d}: {'your score ' if plain else ''}{response.score} " + (
            f"({escape(response.severity)})"
        )
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
            f"┆ dashed lines: {'your dosing sessions' if plain else 'doses'} "
            f"({len(dose_times)})</text>"
        )
    if plain:
        parts.append(f'<text x="{LEFT + 4}" y="{TOP + 10}">Lower scores mean fewer symptoms</text>')
    first, last = responses[0].score, responses[-1].score
    if plain:
        label = (
            f"Your {plain_topic(summary)} scores: {first} at first, {last} most recently, "
            f"from {len(responses)} answers. Lower scores mean fewer symptoms."
        )
    else:
        label = f"{spec.name} trend: {first} to {last} over {len(responses)} answers"
    svg = (
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="{escape(label)}" data-instrument="{escape(summary.instrument)}" '
        f'xmlns="http://www.w3.org/2000/svg">{"".join(parts)}</svg>'
    )
    return mark_safe(svg)  # noqa: S308 - built from numbers and escaped labels only


VITALS_HEIGHT = 260


class VitalPoint(NamedTuple):
    series: str  # the reading's attribute: systolic, diastolic, heart_rate
    label: str
    css: str
    at: datetime.datetime
    value: int
    out: bool  # past the clinic's alert threshold
    predose: bool


VITALS_SERIES = (
    # (attribute on a reading, the pre-dose attribute, label, css class)
    ("systolic", "predose_systolic", "Systolic", "sys"),
    ("diastolic", "predose_diastolic", "Diastolic", "dia"),
    ("heart_rate", "predose_heart_rate", "Heart rate", "hr"),
)


def vitals_svg(record, vitals: list, settings) -> SafeString:
    """Blood pressure (systolic, diastolic) and heart rate of a dosing record over the
    session, the pre-dose reading first, against the clinic's alert thresholds (dashed
    lines). Readings past a threshold are drawn as out-of-range dots. '' without readings.

    `vitals` are the record's readings oldest first; `settings` the clinic's clinical
    settings. Times are the clinic's."""
    zone = record.session.clinic.zone
    predose_at = record.administered_at or record.session.starts_at
    points: list[VitalPoint] = []
    for attribute, predose, label, css in VITALS_SERIES:
        value = getattr(record, predose)
        if value:
            out = vital_out_of_range(attribute, value, settings)
            points.append(VitalPoint(attribute, label, css, predose_at, value, out, True))
    for reading in vitals:
        for attribute, _, label, css in VITALS_SERIES:
            value = getattr(reading, attribute)
            out = vital_out_of_range(attribute, value, settings)
            points.append(VitalPoint(attribute, label, css, reading.taken_at, value, out, False))
    if not points:
        return mark_safe("")
    thresholds = [
        ("systolic", f"Systolic alert ≥ {settings.alert_systolic_at}", settings.alert_systolic_at),
        (
            "diastolic",
            f"Diastolic alert ≥ {settings.alert_diastolic_at}",
            settings.alert_diastolic_at,
        ),
        (
            "heart_rate",
            f"Heart rate alert > {settings.alert_heart_rate_above}",
            settings.alert_heart_rate_above,
        ),
        (
            "heart_rate",
            f"Heart rate alert < {settings.alert_heart_rate_below}",
            settings.alert_heart_rate_below,
        ),
    ]
    values = [p.value for p in points] + [t[2] for t in thresholds]
    low = max(0, (min(values) - 10) // 20 * 20)
    high = (max(values) + 10) // 20 * 20 + 20
    times = [p.at for p in points]
    start, end = min(times), max(times)
    if end - start < datetime.timedelta(minutes=30):
        end = start + datetime.timedelta(minutes=30)
    span = (end - start).total_seconds()
    plot_w, plot_h = WIDTH - LEFT - RIGHT, VITALS_HEIGHT - TOP - BOTTOM

    def x(moment) -> float:
        return round(LEFT + plot_w * (moment - start).total_seconds() / span, 1)

    def y(value) -> float:
        return round(TOP + plot_h * (1 - (value - low) / (high - low)), 1)

    parts = []
    for tick in range(int(low), int(high) + 1, 20):
        parts.append(f'<text x="{LEFT - 6}" y="{y(tick) + 4}" text-anchor="end">{tick}</text>')
    parts.append(
        f'<line class="axis" x1="{LEFT}" y1="{TOP + plot_h}" x2="{LEFT + plot_w}" '
        f'y2="{TOP + plot_h}"/>'
    )
    for attribute, label, value in thresholds:
        parts.append(
            f'<line class="threshold {attribute}" data-threshold="{attribute}" '
            f'data-value="{value}" x1="{LEFT}" y1="{y(value)}" x2="{LEFT + plot_w}" '
            f'y2="{y(value)}"><title>{escape(label)}</title></line>'
        )
        parts.append(
            f'<text class="threshold-label" x="{LEFT + plot_w}" y="{y(value) - 3}" '
            f'text-anchor="end">{escape(label)}</text>'
        )
    for attribute, _, label, css in VITALS_SERIES:
        series = [p for p in points if p.series == attribute]
        if not series:
            continue
        line = " ".join(f"{x(p.at)},{y(p.value)}" for p in series)
        parts.append(f'<polyline class="line {css}" points="{line}"/>')
        for p in series:
            when = "pre-dose" if p.predose else f"{timezone.localtime(p.at, zone):%H:%M}"
            title = f"{label} {p.value} at {when}{' (out of range)' if p.out else ''}"
            parts.append(
                f'<circle class="dot {css}{" out" if p.out else ""}" data-series="{attribute}" '
                f'data-value="{p.value}" cx="{x(p.at)}" cy="{y(p.value)}" '
                f'r="{5 if p.out else 3}"><title>{escape(title)}</title></circle>'
            )
    for moment, anchor in ((start, "start"), (end, "end")):
        local = timezone.localtime(moment, zone)
        parts.append(
            f'<text x="{x(moment)}" y="{VITALS_HEIGHT - 10}" text-anchor="{anchor}">'
            f"{local:%H:%M}</text>"
        )
    legend_x = LEFT + 4
    for _, _, label, css in VITALS_SERIES:
        parts.append(
            f'<text class="legend {css}" x="{legend_x}" y="{TOP + 10}">● {escape(label)}</text>'
        )
        legend_x += 90
    readings = len(vitals)
    label = (
        f"Vital signs: {readings} reading{'s' if readings != 1 else ''} after the pre-dose one; "
        f"blood pressure and heart rate against the clinic's alert thresholds"
    )
    svg = (
        f'<svg class="chart vitals-chart" viewBox="0 0 {WIDTH} {VITALS_HEIGHT}" role="img" '
        f'aria-label="{escape(label)}" xmlns="http://www.w3.org/2000/svg">{"".join(parts)}</svg>'
    )
    return mark_safe(svg)  # noqa: S308 - built from numbers and escaped labels only


def vital_out_of_range(attribute: str, value: int, settings) -> bool:
    """Whether one value is past the clinic's alert threshold for it: the dosing service's
    own rule, asked about that value alone (the others given values inside every band)."""
    from practice.services.dosing import vitals_out_of_range

    reading = {
        "systolic": 0,
        "diastolic": 0,
        "heart_rate": settings.alert_heart_rate_below,
        "spo2": 100,
    }
    reading[attribute] = value
    return bool(vitals_out_of_range(settings, **reading))

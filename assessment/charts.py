"""Charts as server-rendered SVG geometry: the views compute coordinates, the templates draw
them with attributes only (the CSP forbids inline styles and scripts). ViewBoxes scale to the
screen, so a phone shows the same chart narrower."""

from __future__ import annotations

from decimal import Decimal

WIDTH, HEIGHT, PAD = 360, 160, 24


def line_chart(points: list[tuple[str, Decimal | None]], top: int) -> dict:
    """Scores over time: ``points`` are (label, value on 0..top); gaps stay gaps."""
    step = (WIDTH - 2 * PAD) / max(len(points) - 1, 1)
    dots, path = [], []
    for i, (label, value) in enumerate(points):
        x = round(PAD + i * step, 1)
        dot = {"x": x, "label": label, "value": value, "y": None}
        if value is not None:
            dot["y"] = round(HEIGHT - PAD - float(value) / top * (HEIGHT - 2 * PAD), 1)
            path.append(f"{x},{dot['y']}")
        dots.append(dot)
    grid = [
        {"y": round(HEIGHT - PAD - f * (HEIGHT - 2 * PAD), 1), "label": round(top * f)}
        for f in (0, 0.5, 1)
    ]
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "polyline": " ".join(path),
        "dots": dots,
        "grid": grid,
        "right": WIDTH - PAD,
        "left": PAD,
        "base": HEIGHT - PAD + 14,
    }


def bar_chart(rows: list[tuple[str, Decimal]]) -> dict:
    """By criterion: horizontal bars, 0–100 %."""
    bar_width, label_width = 200, 130
    bars = [
        {
            "label": label,
            "y": i * 26,
            "width": round(float(value) / 100 * bar_width, 1),
            "value": round(value),
            "end": round(label_width + float(value) / 100 * bar_width + 4, 1),
        }
        for i, (label, value) in enumerate(rows)
    ]
    return {"bars": bars, "height": max(len(rows) * 26, 26), "x": label_width}

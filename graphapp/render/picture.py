"""A network view → a static picture of the same layout and colours: PNG (Pillow) or SVG (written here).

Both say what they show (a title line and the view's note), carry a legend, name the most central
nodes (the largest by the view's "size by"), and scale the layout to fill the drawing area. Same view,
same bytes: no timestamps or random order. Not matplotlib: igraph imports matplotlib.pyplot at import
time whenever it is installed, which would add about a second to every command.
"""

from __future__ import annotations

import html
import io
from dataclasses import dataclass
from pathlib import Path

from ..records import OUTLET
from .style import OTHER_COLOR

__all__ = ["network_png", "network_svg", "FONT_PATHS"]

FONT_PATHS = ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "/usr/share/fonts/dejavu/DejaVuSans.ttf")
WIDTH, HEIGHT = 1800, 1500
HEADER = 64  # title and note
LEGEND = 330  # legend column on the right
MARGIN = 36
LABELS = 15  # nodes named on the picture


@dataclass(frozen=True)
class _Scene:
    """What both pictures draw, in canvas coordinates."""

    at: dict  # node → (x, y)
    radius: dict  # node → r
    edges: list  # ((x1, y1), (x2, y2))
    order: list  # nodes, smallest first (largest drawn on top)
    labels: list  # (node, text), the most central nodes
    legend: list  # (label, colour)
    size_note: str


def _label(data: dict, node: str) -> str:
    text = str(data.get("title") or data.get("name") or data.get("label") or node)
    return text if len(text) <= 42 else text[:41] + "…"


def _scene(view, width: int, height: int) -> _Scene:
    positions, style, graph = view.positions, view.style, view.graph
    drawn = [n for n in graph.nodes if n in positions]
    at: dict = {}
    if drawn:
        xs = [positions[n][0] for n in drawn]
        ys = [positions[n][1] for n in drawn]
        left, top = MARGIN, HEADER + MARGIN
        area_w, area_h = width - LEGEND - 2 * MARGIN, height - HEADER - 2 * MARGIN
        span_x, span_y = (max(xs) - min(xs)) or 1.0, (max(ys) - min(ys)) or 1.0
        factor = min(area_w / span_x, area_h / span_y)  # one scale for both axes, as large as fits
        off_x = left + (area_w - span_x * factor) / 2
        off_y = top + (area_h - span_y * factor) / 2
        at = {n: (off_x + (positions[n][0] - min(xs)) * factor, off_y + (positions[n][1] - min(ys)) * factor) for n in drawn}
    radius = {n: max(style.sizes.get(n, 8) / 2, 1.5) for n in drawn}
    edges = [(at[u], at[v]) for u, v in graph.edges() if u in at and v in at]
    order = sorted(drawn, key=lambda n: (style.sizes.get(n, 8), n))
    central = sorted(drawn, key=lambda n: (-style.sizes.get(n, 8), n))[:LABELS]
    labels = [(n, _label(graph.nodes[n], n)) for n in central]
    return _Scene(at, radius, edges, order, labels, list(style.legend), style.size_note)


def _font(size: int):
    from PIL import ImageFont

    for path in FONT_PATHS:
        if Path(path).exists():
            return ImageFont.truetype(path, size)
    try:
        return ImageFont.load_default(size)
    except TypeError:  # Pillow without FreeType sizes
        return ImageFont.load_default()


def _lines(text: str, limit: int) -> list[str]:
    """`text` wrapped at word boundaries to lines of at most `limit` characters."""
    lines, line = [], ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > limit:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return lines + ([line] if line else [])


def network_png(view, *, title: str = "", width: int = WIDTH, height: int = HEIGHT) -> bytes:
    """The view's graph at its positions, coloured and sized by its style, with title, legend and labels."""
    from PIL import Image, ImageDraw

    scene = _scene(view, width, height)
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    for a, b in scene.edges:
        draw.line([a, b], fill=(205, 205, 205), width=1)
    for node in scene.order:
        x, y = scene.at[node]
        r = scene.radius[node]
        shape = draw.rectangle if view.graph.nodes[node].get("kind") == OUTLET else draw.ellipse
        shape([x - r, y - r, x + r, y + r], fill=view.style.colors.get(node, OTHER_COLOR), outline=(255, 255, 255))
    small, big = _font(13), _font(18)
    for node, text in scene.labels:
        x, y = scene.at[node]
        draw.text((x + scene.radius[node] + 3, y - 8), text, fill=(20, 20, 20), font=small,
                  stroke_width=2, stroke_fill=(255, 255, 255))
    draw.text((MARGIN, 10), title or view.note, fill=(0, 0, 0), font=big)
    if title:
        draw.text((MARGIN, 36), view.note if len(view.note) <= 200 else view.note[:199] + "…", fill=(80, 80, 80), font=small)
    x0 = width - LEGEND + 10
    y = HEADER + MARGIN
    draw.text((x0, y), "Legend", fill=(0, 0, 0), font=big)
    y += 28
    for label, color in scene.legend:
        draw.rectangle([x0, y + 3, x0 + 11, y + 14], fill=color)
        for i, line in enumerate(_lines(label, 38)[:2]):
            draw.text((x0 + 18, y + i * 16), line, fill=(30, 30, 30), font=small)
        y += 18 + 16 * (min(len(_lines(label, 38)), 2) - 1) + 4
        if y > height - 40:
            break
    draw.text((x0, y + 6), scene.size_note, fill=(80, 80, 80), font=small)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=False)
    return buffer.getvalue()


def network_svg(view, *, title: str = "", width: int = WIDTH, height: int = HEIGHT) -> bytes:
    """The same picture as `network_png`, as SVG text (every article string escaped)."""
    scene = _scene(view, width, height)
    esc = html.escape

    def f(v: float) -> str:
        return f"{v:.1f}"

    out = [f'<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="{width}" '
           f'height="{height}" viewBox="0 0 {width} {height}" font-family="DejaVu Sans, Verdana, sans-serif">\n',
           f'<title>{esc(title or view.note)}</title>\n<rect width="100%" height="100%" fill="white"/>\n']
    if scene.edges:
        path = "".join(f"M{f(a[0])} {f(a[1])}L{f(b[0])} {f(b[1])}" for a, b in scene.edges)
        out.append(f'<path d="{path}" stroke="#cdcdcd" stroke-width="1" fill="none"/>\n')
    out.append('<g stroke="white" stroke-width="1">\n')
    for node in scene.order:
        x, y = scene.at[node]
        r = scene.radius[node]
        color = esc(view.style.colors.get(node, OTHER_COLOR))
        if view.graph.nodes[node].get("kind") == OUTLET:
            out.append(f'<rect x="{f(x - r)}" y="{f(y - r)}" width="{f(2 * r)}" height="{f(2 * r)}" fill="{color}"/>\n')
        else:
            out.append(f'<circle cx="{f(x)}" cy="{f(y)}" r="{f(r)}" fill="{color}"/>\n')
    out.append("</g>\n")
    out.append('<g font-size="13" fill="#141414" stroke="white" stroke-width="3" paint-order="stroke">\n')
    for node, text in scene.labels:
        x, y = scene.at[node]
        out.append(f'<text x="{f(x + scene.radius[node] + 3)}" y="{f(y + 4)}">{esc(text)}</text>\n')
    out.append("</g>\n")
    out.append(f'<text x="{MARGIN}" y="28" font-size="18">{esc(title or view.note)}</text>\n')
    if title:
        out.append(f'<text x="{MARGIN}" y="50" font-size="13" fill="#505050">{esc(view.note)}</text>\n')
    x0, y = width - LEGEND + 10, HEADER + MARGIN + 18
    out.append(f'<g id="legend"><text x="{x0}" y="{y}" font-size="18">Legend</text>\n')
    y += 14
    for label, color in scene.legend:
        lines = _lines(label, 38)[:2] or [""]
        out.append(f'<rect x="{x0}" y="{y + 3}" width="11" height="11" fill="{esc(color)}"/>')
        for i, line in enumerate(lines):
            out.append(f'<text x="{x0 + 18}" y="{y + 13 + i * 16}" font-size="13">{esc(line)}</text>')
        out.append("\n")
        y += 22 + 16 * (len(lines) - 1)
        if y > height - 40:
            break
    out.append(f'<text x="{x0}" y="{y + 16}" font-size="13" fill="#505050">{esc(scene.size_note)}</text></g>\n</svg>\n')
    return "".join(out).encode("utf-8")

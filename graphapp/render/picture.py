"""A network view → a static PNG of the same layout and colours (Pillow; no browser, no matplotlib).

Not matplotlib: igraph imports matplotlib.pyplot at import time whenever it is installed, which
would add about a second to every command.
"""

from __future__ import annotations

import io

__all__ = ["network_png"]


def network_png(view, *, size: int = 1600) -> bytes:
    """The view's graph at its positions, coloured and sized by its style, with its note on top."""
    from PIL import Image, ImageDraw

    margin = 40
    image = Image.new("RGB", (size, size), "white")
    draw = ImageDraw.Draw(image)
    positions, style = view.positions, view.style
    if positions:
        xs = [x for x, _ in positions.values()]
        ys = [y for _, y in positions.values()]
        span = max(max(xs) - min(xs), max(ys) - min(ys)) or 1.0
        factor = (size - 2 * margin) / span
        at = {n: (margin + (x - min(xs)) * factor, margin + (y - min(ys)) * factor) for n, (x, y) in positions.items()}
        for u, v in view.graph.edges():
            if u in at and v in at:
                draw.line([at[u], at[v]], fill=(200, 200, 200), width=1)
        for node in sorted(view.graph.nodes, key=lambda n: style.sizes.get(n, 8)):
            if node in at:
                x, y = at[node]
                r = style.sizes.get(node, 8) / 2
                draw.ellipse([x - r, y - r, x + r, y + r], fill=style.colors.get(node, "#c7c7c7"))
    draw.text((margin, 10), view.note, fill=(0, 0, 0))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=False)
    return buffer.getvalue()

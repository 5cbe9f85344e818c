"""How views look: node style, layout, the sigma.js payload and page, the PNG picture, and escaping of article text.

No Streamlit here; the app and the exporters both draw through these functions.
"""

from .html import network_page
from .layout import layout_positions
from .payload import view_payload
from .picture import network_png, network_svg
from .style import OTHER_COLOR, OUTLET_COLOR, PALETTE, NodeStyle, node_styles
from .text import inert, safe_link

__all__ = ["network_page", "view_payload", "layout_positions", "network_png", "network_svg", "OTHER_COLOR", "OUTLET_COLOR", "PALETTE",
           "NodeStyle", "node_styles", "inert", "safe_link"]

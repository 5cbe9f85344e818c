// The payload (parallel arrays, edges as node indices) → a graphology graph.
// Node keys in the graph are the node indices ("0", "1", ...); the payload's own keys stay in
// `data.nodes.key` and are only used to report clicks back.
import Graph from "graphology";

const LABEL_CHARS = 42; // on the canvas; the click panel shows the whole title

export function shortLabel(text) {
  const s = text == null ? "" : String(text);
  return s.length > LABEL_CHARS ? s.slice(0, LABEL_CHARS - 1) + "…" : s;
}

function at(list, i, fallback) {
  if (!Array.isArray(list)) return fallback;
  const v = list[i];
  return v === undefined || v === null ? fallback : v;
}

export function buildGraph(data) {
  const nodes = data.nodes || {};
  const edges = data.edges || {};
  const n = Array.isArray(nodes.key) ? nodes.key.length : 0;
  const graph = new Graph({ type: "undirected", multi: true, allowSelfLoops: false });
  for (let i = 0; i < n; i++) {
    const kind = at(nodes.kind, i, "story");
    const focal = !!at(nodes.focal, i, false);
    graph.addNode(i, {
      x: +at(nodes.x, i, 0),
      y: +at(nodes.y, i, 0),
      size: +at(nodes.size, i, 3),
      color: String(at(nodes.color, i, "#999999")),
      label: shortLabel(at(nodes.label, i, "")),
      forceLabel: !!at(nodes.forceLabel, i, false),
      type: focal ? "focal" : kind === "outlet" ? "square" : "circle",
      focal,
    });
  }
  const src = edges.source || [];
  const tgt = edges.target || [];
  const sizes = Array.isArray(edges.size) ? edges.size : null;
  const colors = Array.isArray(edges.color) ? edges.color : null;
  const m = Math.min(src.length, tgt.length);
  for (let e = 0; e < m; e++) {
    const s = src[e];
    const t = tgt[e];
    if (s === t || !(s >= 0 && s < n) || !(t >= 0 && t < n)) continue;
    const attrs = {};
    if (sizes) attrs.size = +sizes[e] || 1;
    if (colors && colors[e] != null) attrs.color = String(colors[e]);
    graph.addEdgeWithKey(e, s, t, attrs);
  }
  return graph;
}

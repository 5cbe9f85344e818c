// One network view: the sigma renderer plus its search box, legend and click panel.
// Every string that comes from an article (labels, outlets, times, URLs) reaches the page only
// through textContent, canvas text, or an href checked to be http/https: never as markup.
import Sigma from "sigma";
import { EdgeLineProgram, EdgeRectangleProgram, NodeCircleProgram } from "sigma/rendering";
import { createNodeBorderProgram } from "@sigma/node-border";
import { NodeSquareProgram } from "@sigma/node-square";
import { buildGraph } from "./graph.js";

const DIM_NODE = "#e4e4e4";
const FOCUS_EDGE = "#6b6b6b";
const FOCAL_RING = "#111111";
const MOVE_HIDES_EDGES = 20000; // above this many edges, edges are hidden while panning/zooming

const CSS = `
.gn-root{display:flex;flex-direction:column;box-sizing:border-box;font:13px/1.35 system-ui,-apple-system,"Segoe UI",sans-serif;color:#222;background:#fff}
.gn-root *{box-sizing:border-box}
.gn-head{flex:0 0 auto;padding:4px 6px}
.gn-title{font-size:16px;font-weight:600;margin:2px 0 4px}
.gn-note{margin:0 0 4px;color:#444}
.gn-tools{display:flex;gap:8px;align-items:center}
.gn-search{flex:0 1 320px;padding:3px 6px;border:1px solid #bbb;border-radius:4px;font:inherit}
.gn-count{color:#666}
.gn-stage{position:relative;flex:1 1 auto;min-height:120px;border:1px solid #e3e3e3;border-radius:4px;overflow:hidden}
.gn-sigma{position:absolute;inset:0}
.gn-legend{position:absolute;left:6px;bottom:6px;max-width:45%;max-height:45%;overflow:auto;background:rgba(255,255,255,.88);border:1px solid #ddd;border-radius:4px;padding:4px 6px;font-size:12px;z-index:5}
.gn-legend div{white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
.gn-legend summary{cursor:pointer;color:#444}
.gn-legend:not([open]){max-width:none}
.gn-swatch{display:inline-block;width:10px;height:10px;margin-right:6px;border-radius:2px;vertical-align:-1px}
.gn-panel{position:absolute;right:6px;top:6px;width:min(340px,60%);max-height:80%;overflow:auto;background:rgba(255,255,255,.96);border:1px solid #ccc;border-radius:4px;padding:6px 8px;z-index:6;box-shadow:0 1px 4px rgba(0,0,0,.15)}
.gn-panel[hidden]{display:none}
.gn-panel-title{font-weight:600;margin-right:18px;overflow-wrap:anywhere}
.gn-panel-meta{color:#555;margin-top:2px;overflow-wrap:anywhere}
.gn-panel a{display:inline-block;margin-top:4px}
.gn-close{position:absolute;right:4px;top:2px;border:0;background:none;font-size:16px;cursor:pointer;color:#666}
`;

let cssAdded = false;
function addCss(doc) {
  if (cssAdded) return;
  const style = doc.createElement("style");
  style.textContent = CSS;
  doc.head.appendChild(style);
  cssAdded = true;
}

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

export function isWebUrl(value) {
  if (typeof value !== "string") return false;
  try {
    const url = new URL(value);
    return url.protocol === "http:" || url.protocol === "https:";
  } catch (e) {
    return false;
  }
}

function listAt(list, i) {
  return Array.isArray(list) && list[i] !== undefined && list[i] !== null ? list[i] : null;
}

/**
 * Draw `data` (the payload) into `container`.
 * options: {title, height (px, or null to fill the container), onSelect(key or null, viewport)}
 * Returns a controller: {version, select(key, {center, report}), search(text), destroy(), screenPosition(key)}.
 */
export function mount(container, data, options = {}) {
  const t0 = performance.now();
  addCss(document);
  const nodes = data.nodes || {};
  const keys = Array.isArray(nodes.key) ? nodes.key.map(String) : [];
  const fullLabels = Array.isArray(nodes.label) ? nodes.label.map((l) => (l == null ? "" : String(l))) : keys.slice();
  const indexOfKey = new Map(keys.map((k, i) => [k, i]));

  const root = el("div", "gn-root");
  if (options.height) root.style.height = `${options.height}px`;
  else root.style.height = "100%";
  const head = el("div", "gn-head");
  if (options.title) head.appendChild(el("div", "gn-title", options.title));
  if (data.note) head.appendChild(el("p", "gn-note", data.note));
  const tools = el("div", "gn-tools");
  const input = el("input", "gn-search");
  input.type = "search";
  input.placeholder = "find a node by its title…";
  input.setAttribute("aria-label", "find a node by its title");
  const count = el("span", "gn-count");
  tools.append(input, count);
  head.appendChild(tools);
  const stage = el("div", "gn-stage");
  const sigmaBox = el("div", "gn-sigma");
  const legend = el("details", "gn-legend");
  const legendItems = Array.isArray(data.legend) ? data.legend.filter((item) => Array.isArray(item) && item.length >= 2) : [];
  legend.open = legendItems.length <= 8; // a long legend starts folded, so that it does not cover the graph
  legend.appendChild(el("summary", null, `legend (${legendItems.length})`));
  const panel = el("div", "gn-panel");
  panel.hidden = true;
  stage.append(sigmaBox, legend, panel);
  root.append(head, stage);
  container.replaceChildren(root);

  for (const item of legendItems) {
    const row = el("div");
    const swatch = el("span", "gn-swatch");
    swatch.style.backgroundColor = String(item[1]);
    row.append(swatch, document.createTextNode(String(item[0])));
    legend.appendChild(row);
  }
  if (!legendItems.length) legend.hidden = true;

  const tGraph = performance.now();
  const graph = buildGraph(data);
  const tSigma = performance.now();
  const edges = data.edges || {};
  const sized = Array.isArray(edges.size);
  const edgeColor = typeof edges.color === "string" ? edges.color : "#cccccc";
  const FocalProgram = createNodeBorderProgram({
    borders: [
      { size: { value: 0.28 }, color: { value: FOCAL_RING } },
      { size: { fill: true }, color: { attribute: "color" } },
    ],
  });

  const nodePrograms = { circle: NodeCircleProgram };
  const kinds = Array.isArray(nodes.kind) ? nodes.kind : [];
  if (kinds.includes("outlet")) nodePrograms.square = NodeSquareProgram;
  if (Array.isArray(nodes.focal) && nodes.focal.some(Boolean)) nodePrograms.focal = FocalProgram;

  // What is highlighted: the hovered node, else the selected one; its neighbours stay, the rest dims.
  const state = { hovered: null, selected: null, focus: null, neighbours: new Set(), focusEdges: new Set() };
  function setFocus() {
    const focus = state.hovered !== null ? state.hovered : state.selected;
    if (focus === state.focus) return;
    state.focus = focus;
    state.neighbours = new Set();
    state.focusEdges = new Set();
    if (focus !== null && graph.hasNode(focus)) {
      graph.forEachNeighbor(focus, (n) => state.neighbours.add(n));
      graph.forEachEdge(focus, (e) => state.focusEdges.add(e));
    }
  }

  const renderer = new Sigma(graph, sigmaBox, {
    allowInvalidContainer: true,
    renderLabels: true,
    labelDensity: 0.07,
    labelGridCellSize: 140, // at most one label per 140-pixel cell: titles are wide
    labelRenderedSizeThreshold: 7,
    labelFont: 'system-ui, -apple-system, "Segoe UI", sans-serif',
    labelSize: 12,
    defaultEdgeColor: edgeColor,
    defaultEdgeType: sized ? "rect" : "line",
    // only the programs in use: each one is a WebGL shader pair to compile before the first frame
    edgeProgramClasses: sized ? { rect: EdgeRectangleProgram } : { line: EdgeLineProgram },
    nodeProgramClasses: nodePrograms,
    defaultNodeType: "circle",
    hideEdgesOnMove: graph.size > MOVE_HIDES_EDGES,
    minCameraRatio: 0.005,
    maxCameraRatio: 20,
    nodeReducer: (node, attrs) => {
      const mark = node === state.selected || node === state.hovered;
      if (state.focus === null) return mark ? { ...attrs, highlighted: true, forceLabel: true } : attrs;
      if (node === state.focus || mark) return { ...attrs, highlighted: true, forceLabel: true };
      if (state.neighbours.has(node)) return attrs;
      return { ...attrs, color: DIM_NODE, label: "", forceLabel: false };
    },
    edgeReducer: (edge, attrs) => {
      if (state.focus === null) return attrs;
      return state.focusEdges.has(edge) ? { ...attrs, color: FOCUS_EDGE } : { ...attrs, hidden: true };
    },
  });
  const drawnAt = performance.now();
  if (window.graphappDrawnAt === undefined) window.graphappDrawnAt = drawnAt;
  window.graphappLastDrawnAt = drawnAt;
  window.graphappBuildMs = drawnAt - t0;
  window.graphappTimings = { dom: tGraph - t0, graph: tSigma - tGraph, sigma: drawnAt - tSigma };
  // Wall-clock marks, comparable with the host page's and the benchmark's clocks: drawn, and painted (the
  // task after the next animation frame, once the browser has had the chance to show it).
  window.graphappDrawnEpoch = Date.now();
  requestAnimationFrame(() => setTimeout(() => { window.graphappPaintedEpoch = Date.now(); }, 0));

  // A change of highlight re-runs the reducers over every node and edge (sigma has no cheaper way to dim
  // "all the rest"): hover changes are coalesced into one refresh per animation frame.
  const refresh = () => renderer.refresh();
  const refreshSoon = () => renderer.scheduleRefresh();
  const camera = renderer.getCamera();
  const viewport = () => {
    const s = camera.getState();
    return { x: s.x, y: s.y, ratio: s.ratio };
  };

  function showPanel(index) {
    if (index === null) {
      panel.hidden = true;
      panel.replaceChildren();
      return;
    }
    const kind = listAt(nodes.kind, index) || "story";
    const close = el("button", "gn-close", "×");
    close.type = "button";
    close.title = "close";
    close.addEventListener("click", () => select(null, { report: true }));
    const parts = [close, el("div", "gn-panel-title", fullLabels[index] || keys[index])];
    const meta = [];
    if (kind !== "story") meta.push(kind);
    const outlet = listAt(nodes.outlet, index);
    if (outlet !== null) meta.push(String(outlet));
    const time = listAt(nodes.time, index);
    if (time !== null) meta.push(String(time));
    if (meta.length) parts.push(el("div", "gn-panel-meta", meta.join(" · ")));
    const url = listAt(nodes.url, index);
    if (isWebUrl(url)) {
      const link = el("a", null, "open article");
      link.href = url;
      link.target = "_blank";
      link.rel = "noopener noreferrer";
      parts.push(link);
    }
    panel.replaceChildren(...parts);
    panel.hidden = false;
  }

  function centerOn(node) {
    const d = renderer.getNodeDisplayData(node);
    if (!d) return Promise.resolve();
    return camera.animate({ x: d.x, y: d.y, ratio: Math.min(camera.getState().ratio, 0.35) }, { duration: 450 });
  }

  // select(key or null): highlight + panel; report=true tells the host (a user action), center moves the camera.
  function select(key, { center = false, report = false } = {}) {
    const index = key === null || key === undefined ? null : indexOfKey.get(String(key));
    const node = index === undefined || index === null ? null : String(index);
    state.selected = node;
    setFocus();
    showPanel(node === null ? null : index);
    refresh();
    if (center && node !== null) centerOn(node);
    if (report && options.onSelect) options.onSelect(node === null ? null : keys[index], viewport());
    return node !== null;
  }

  let matches = [];
  let matchAt = -1;
  let lastQuery = null;
  function findMatches(text) {
    const q = String(text || "").trim().toLowerCase();
    if (q === lastQuery) return;
    lastQuery = q;
    matchAt = -1;
    matches = [];
    if (q) {
      for (let i = 0; i < fullLabels.length; i++) if (fullLabels[i].toLowerCase().includes(q)) matches.push(i);
      // larger (more linked) nodes first
      const sizes = nodes.size || [];
      matches.sort((a, b) => (+sizes[b] || 0) - (+sizes[a] || 0) || a - b);
    }
    count.textContent = q ? (matches.length ? `${matches.length} found, Enter for the next` : "none found") : "";
  }
  function nextMatch(report) {
    if (!matches.length) return null;
    matchAt = (matchAt + 1) % matches.length;
    const key = keys[matches[matchAt]];
    select(key, { center: true, report });
    return key;
  }
  // search(text): find by label substring and centre on the first (best) match; returns its key or null.
  function search(text) {
    input.value = text || "";
    lastQuery = null;
    findMatches(input.value);
    return nextMatch(false);
  }
  input.addEventListener("input", () => findMatches(input.value));
  input.addEventListener("keydown", (ev) => {
    if (ev.key === "Enter") {
      ev.preventDefault();
      findMatches(input.value);
      nextMatch(true);
    }
  });

  renderer.on("enterNode", ({ node }) => {
    state.hovered = node;
    setFocus();
    refreshSoon();
    sigmaBox.style.cursor = "pointer";
  });
  renderer.on("leaveNode", () => {
    state.hovered = null;
    setFocus();
    refreshSoon();
    sigmaBox.style.cursor = "";
  });
  renderer.on("clickNode", ({ node }) => select(keys[+node], { report: true }));
  renderer.on("clickStage", () => {
    if (state.selected !== null) select(null, { report: true });
  });

  let observer = null;
  if (typeof ResizeObserver !== "undefined") {
    let seen = `${sigmaBox.offsetWidth}x${sigmaBox.offsetHeight}`;
    observer = new ResizeObserver(() => {
      const now = `${sigmaBox.offsetWidth}x${sigmaBox.offsetHeight}`;
      if (now === seen) return; // the first observation, or nothing changed: no redraw
      seen = now;
      renderer.scheduleRefresh();
    });
    observer.observe(sigmaBox);
  }

  const controller = {
    version: data.version,
    renderer,
    graph,
    keys,
    select: (key, opts) => select(key, opts),
    search,
    viewport,
    selectedKey: () => (state.selected === null ? null : keys[+state.selected]),
    // where a node is drawn, in page (CSS pixel) coordinates of this document
    screenPosition(key) {
      const index = indexOfKey.get(String(key));
      if (index === undefined) return null;
      const d = renderer.getNodeDisplayData(String(index));
      if (!d) return null;
      const p = renderer.framedGraphToViewport(d);
      const box = sigmaBox.getBoundingClientRect();
      return { x: box.left + p.x, y: box.top + p.y };
    },
    destroy() {
      if (observer) observer.disconnect();
      renderer.kill();
      container.replaceChildren();
    },
  };
  window.graphapp = controller;
  return controller;
}

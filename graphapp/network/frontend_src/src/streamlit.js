// The Streamlit custom-component (components.v1) protocol, by hand: the iframe says
// "componentReady", Streamlit posts "streamlit:render" with the Python arguments on every rerun,
// and the iframe answers with "setComponentValue" (which reruns the script) and "setFrameHeight".
//
// The graph is sent once per version: Python passes `graph` (as JSON text) only when it has not yet sent that
// version to this component instance, and passes `graph: null` (just `version`, `selected`,
// `search`) on later reruns. The view is kept while the version is unchanged; only the selection
// and search are applied. If the iframe was re-created and lacks the version (Python thought it had
// it), the component asks for it with a fresh `need` token, and Python sends the graph again.
import { mount } from "./view.js";

function send(type, data) {
  window.parent.postMessage({ isStreamlitMessage: true, type, ...data }, "*");
}

export function streamlitMain(container) {
  let view = null;
  let version = null;
  let lastSelected;
  let lastSearch;
  let seq = 0;
  let asked = null;
  let height = 0;
  let clicked = null;

  function setValue(extra) {
    seq += 1;
    send("streamlit:setComponentValue", {
      value: { clicked, viewport: view ? view.viewport() : null, have: version, seq, ...extra },
      dataType: "json",
    });
  }

  function onRender(args) {
    const wanted = args.version == null ? null : String(args.version);
    if (args.height && args.height !== height) {
      height = args.height;
      send("streamlit:setFrameHeight", { height });
    }
    // The graph comes as JSON text (Python serialises it once per version, not once per session).
    if (args.graph && String(args.version) !== version) {
      window.graphappDataReadyAt = performance.now();
      window.graphappDataReadyEpoch = Date.now();
      const graph = typeof args.graph === "string" ? JSON.parse(args.graph) : args.graph;
      if (view) view.destroy();
      version = String(graph.version);
      lastSelected = undefined;
      lastSearch = undefined;
      view = mount(container, graph, {
        height,
        onSelect: (key) => {
          clicked = key;
          setValue({});
        },
      });
      window.graphappVersion = version;
    } else if (wanted !== null && wanted !== version) {
      if (asked !== wanted) {
        asked = wanted;
        setValue({ need: `${wanted}:${Date.now()}:${Math.random().toString(36).slice(2)}` });
      }
      return;
    }
    if (!view) return;
    const selected = args.selected == null ? null : String(args.selected);
    if (selected !== lastSelected) {
      lastSelected = selected;
      if (selected !== view.selectedKey()) view.select(selected, { center: selected !== null });
    }
    const search = args.search == null ? "" : String(args.search);
    if (search !== lastSearch) {
      lastSearch = search;
      if (search) view.search(search);
    }
  }

  window.addEventListener("message", (event) => {
    if (event.source !== window.parent) return;
    const msg = event.data;
    if (!msg || msg.type !== "streamlit:render") return;
    onRender(msg.args || {});
  });
  send("streamlit:componentReady", { apiVersion: 1 });
}

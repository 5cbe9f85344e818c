// The bundle's single global: window.GraphappNetwork = {mount, standalone, streamlit}.
import { mount, isWebUrl } from "./view.js";
import { streamlitMain } from "./streamlit.js";

function standalone() {
  const source = document.getElementById("graphapp-data");
  window.graphappDataReadyAt = performance.now();
  const page = JSON.parse(source.textContent);
  const container = document.getElementById("graphapp-network");
  return mount(container, page.graph, { title: page.title });
}

function streamlit() {
  return streamlitMain(document.getElementById("graphapp-network"));
}

window.GraphappNetwork = { mount, standalone, streamlit, isWebUrl };

// Start by itself when loaded as <script data-graphapp="standalone|streamlit">: no inline boot
// script is needed, so the pages can forbid every script but the bundle.
const script = document.currentScript;
const mode = script && script.dataset ? script.dataset.graphapp : null;
if (mode === "standalone") standalone();
else if (mode === "streamlit") streamlit();

// An independent reader of graphapp's exports: parse a GEXF or GraphML file with graphology and print,
// as JSON on stdout, the counts, every node's attributes and every edge (source, target, kind).
// Usage: node read_graph.mjs FILE.gexf|FILE.graphml
import { readFileSync } from "node:fs";
import graphology from "graphology";
import gexf from "graphology-gexf";
import graphml from "graphology-graphml";

const path = process.argv[2];
if (!path) {
  console.error("usage: node read_graph.mjs FILE.gexf|FILE.graphml");
  process.exit(2);
}
const text = readFileSync(path, "utf8");
const reader = path.endsWith(".gexf") ? gexf : graphml;
const graph = reader.parse(graphology.Graph, text);
const nodes = {};
graph.forEachNode((node, attributes) => {
  nodes[node] = attributes;
});
const edges = [];
graph.forEachEdge((edge, attributes, source, target) => {
  edges.push([source, target, attributes.kind ?? null]);
});
process.stdout.write(JSON.stringify({ format: path.endsWith(".gexf") ? "gexf" : "graphml", type: graph.type,
  order: graph.order, size: graph.size, nodes, edges }));

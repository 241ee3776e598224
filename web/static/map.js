// Territories and demarcation sectors as inline SVG (SPEC §19.2.3): an
// equirectangular projection fitted to the bounding box of all geometries,
// with longitudes scaled by the cosine of the middle latitude.
import { el } from "./api.js";

const W = 640, H = 420, PAD = 16;

// A fixed palette of fills with dark outlines; holders get colours in
// order of first appearance, so the legend is stable for a date.
const palette = ["#f2c14e", "#7fb3e6", "#a3d9a5", "#e8a0bf", "#c5b3e6", "#f4a261", "#9ad1d4", "#d4c59a"];

// parts returns the coordinate rings or lines of a GeoJSON geometry, and
// whether they are areas.
function parts(g) {
  switch (g && g.type) {
    case "Polygon": return { area: true, rings: g.coordinates };
    case "MultiPolygon": return { area: true, rings: g.coordinates.flat() };
    case "LineString": return { area: false, rings: [g.coordinates] };
    case "MultiLineString": return { area: false, rings: g.coordinates };
    case "Point": return { area: false, rings: [[g.coordinates]] };
    default: return null;
  }
}

export function bbox(features) {
  let b = [Infinity, Infinity, -Infinity, -Infinity];
  for (const f of features) {
    for (const ring of f.parts.rings) {
      for (const [x, y] of ring) {
        b = [Math.min(b[0], x), Math.min(b[1], y), Math.max(b[2], x), Math.max(b[3], y)];
      }
    }
  }
  return b;
}

// projection returns a function from [lon, lat] to SVG [x, y].
export function projection(b) {
  const k = Math.cos(((b[1] + b[3]) / 2) * Math.PI / 180) || 1;
  const w = Math.max((b[2] - b[0]) * k, 1e-9), h = Math.max(b[3] - b[1], 1e-9);
  const s = Math.min((W - 2 * PAD) / w, (H - 2 * PAD) / h);
  const ox = (W - w * s) / 2, oy = (H - h * s) / 2;
  return ([lon, lat]) => [ox + (lon - b[0]) * k * s, oy + (b[3] - lat) * s];
}

function pathData(p, proj) {
  return p.rings.map((ring) => ring.map((pt, i) => {
    const [x, y] = proj(pt);
    return `${i ? "L" : "M"}${x.toFixed(1)} ${y.toFixed(1)}`;
  }).join("") + (p.area ? "Z" : "")).join("");
}

function parseGeometry(raw) {
  if (!raw) return null;
  try {
    const g = typeof raw === "string" ? JSON.parse(raw) : raw;
    return parts(g.type === "Feature" ? g.geometry : g);
  } catch (_) {
    return null;
  }
}

// drawMap renders the world's territories and sectors into container and
// returns nothing; t translates messages, partyName names a party.
export function drawMap(container, world, t, partyName) {
  const features = [];
  const holders = new Map();
  for (const ter of world.territories) {
    const p = parseGeometry(ter.geometry);
    if (!p) continue;
    const holder = ter.holding ? ter.holding.holder : "";
    if (!holders.has(holder)) holders.set(holder, palette[holders.size % palette.length]);
    const refused = ter.recognitions.some((r) => !r.recognise);
    features.push({ kind: "territory", parts: p, fill: holders.get(holder), ter, holder, refused });
  }
  for (const d of world.demarcations) {
    for (const s of d.sectors) {
      const p = parseGeometry(s.geometry);
      if (p) features.push({ kind: "sector", parts: p, sector: s, demarcation: d });
    }
  }
  if (features.length === 0) {
    container.replaceChildren(el("p", { class: "muted" }, t("map.none")));
    return;
  }
  const proj = projection(bbox(features));
  const svg = el("svg", { class: "map", viewBox: `0 0 ${W} ${H}`, role: "img", "aria-labelledby": "map-title map-desc" },
    el("title", { id: "map-title" }, t("map.title", { date: world.at })),
    el("desc", { id: "map-desc" }, features.map((f) => f.kind === "territory"
      ? t("map.territoryDesc", { name: f.ter.name, holder: partyName(f.holder) || t("map.noHolder") })
      : t("map.sectorDesc", { name: f.sector.name, status: t("sector." + f.sector.status) })).join("; ")));
  for (const f of features.filter((f) => f.kind === "territory")) {
    const label = `${f.ter.name}: ${partyName(f.holder) || t("map.noHolder")}`;
    svg.append(el("path", { class: "territory", d: pathData(f.parts, proj), fill: f.fill, "data-territory": f.ter.id }, el("title", {}, label)));
  }
  for (const f of features.filter((f) => f.kind === "sector")) {
    const label = `${f.sector.name}: ${t("sector." + f.sector.status)}`;
    svg.append(el("path", { class: `sector ${f.sector.status}`, d: pathData(f.parts, proj), "data-sector": f.sector.id }, el("title", {}, label)));
  }
  for (const f of features) {
    const name = f.kind === "territory" ? f.ter.name : f.sector.name.split(" (")[0];
    const [x, y] = labelPoint(f.parts, proj);
    svg.append(el("text", { x: x.toFixed(1), y: y.toFixed(1), "text-anchor": "middle", "aria-hidden": "true" }, name));
  }
  container.replaceChildren(svg, legend(holders, features, t, partyName));
}

function labelPoint(p, proj) {
  const pts = p.rings.flat().map(proj);
  if (!p.area) {
    const [x, y] = pts[Math.floor(pts.length / 2)];
    return [x, y - 8];
  }
  return [pts.reduce((s, q) => s + q[0], 0) / pts.length, pts.reduce((s, q) => s + q[1], 0) / pts.length];
}

function swatch(attrs, kind) {
  const svg = el("svg", { viewBox: "0 0 40 20", "aria-hidden": "true" });
  svg.append(kind === "area"
    ? el("rect", { x: 2, y: 2, width: 36, height: 16, stroke: "#1b1f24", ...attrs })
    : el("line", { x1: 2, y1: 10, x2: 38, y2: 10, "stroke-width": 4, ...attrs }));
  return svg;
}

function legend(holders, features, t, partyName) {
  const ul = el("ul", { class: "legend", "aria-label": t("map.legend") });
  for (const [holder, fill] of holders) {
    ul.append(el("li", {}, swatch({ fill }, "area"), t("map.heldBy", { holder: partyName(holder) || t("map.noHolder") })));
  }
  const statuses = new Set(features.filter((f) => f.kind === "sector").map((f) => f.sector.status));
  if (statuses.has("agreed")) ul.append(el("li", {}, swatch({ stroke: "#0d7a35" }, "line"), t("map.agreedLine")));
  if (statuses.has("disputed")) ul.append(el("li", {}, swatch({ stroke: "#b3141b", "stroke-dasharray": "8 5" }, "line"), t("map.disputedLine")));
  return el("div", {}, el("h3", {}, t("map.legend")), ul);
}

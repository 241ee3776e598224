// The result page (SPEC §19.4.5): the manifest's options and the result's
// counts (GET /api/v1/plebiscites/{id}/result) as an SVG bar chart and a
// table.
import * as i18n from "./i18n.js";
import { t } from "./i18n.js";
import { getJSON, el, param } from "./api.js";

const $ = (id) => document.getElementById(id);
let state = null; // {manifest, result} or {error}

function chart(options, counts, winner) {
  const bar = 28, gap = 14, labelW = 260, W = 640;
  const max = Math.max(1, ...counts);
  const H = options.length * (bar + gap) + gap;
  const svg = el("svg", { class: "chart", viewBox: `0 0 ${W} ${H}`, role: "img", "aria-labelledby": "chart-title" },
    el("title", { id: "chart-title" }, t("result.chart")));
  options.forEach((o, i) => {
    const y = gap + i * (bar + gap);
    const w = Math.max(1, ((W - labelW - 80) * counts[i]) / max);
    svg.append(el("text", { x: 0, y: y + bar * 0.65 }, o.length > 34 ? o.slice(0, 33) + "…" : o),
      el("rect", { class: i === winner ? "bar winner" : "bar", x: labelW, y, width: w.toFixed(1), height: bar }),
      el("text", { x: (labelW + w + 6).toFixed(1), y: y + bar * 0.65 }, String(counts[i])));
  });
  return svg;
}

function render() {
  const out = $("result");
  if (!state) return;
  if (state.error) { out.className = "notice"; out.textContent = state.error; return; }
  out.className = "";
  const { manifest: m, result: r } = state;
  const winner = r.winner === undefined || r.winner === null ? -1 : r.winner;
  const total = r.counts.reduce((a, b) => a + b, 0);
  out.replaceChildren(
    el("p", {}, m.question),
    el("p", {}, t("result.counted", { n: r.ballots })),
    chart(m.options, r.counts, winner),
    el("table", {}, el("thead", {}, el("tr", {}, ["result.option", "result.votes", "result.share"].map((k) => el("th", { scope: "col" }, t(k))))),
      el("tbody", {}, m.options.map((o, i) => el("tr", {}, el("td", {}, o), el("td", {}, String(r.counts[i])),
        el("td", {}, total ? `${((100 * r.counts[i]) / total).toFixed(1)} %` : "—"))))),
    el("p", { class: "status" }, winner >= 0 ? t("result.winner", { option: m.options[winner] }) : t("result.noDecision")));
}

async function load() {
  const id = encodeURIComponent($("plebiscite").value);
  try {
    const [manifest, result] = await Promise.all([getJSON(`/api/v1/plebiscites/${id}/manifest`), getJSON(`/api/v1/plebiscites/${id}/result`)]);
    state = { manifest, result };
  } catch (e) {
    state = { error: e.status === 409 ? t("result.notYet") : t("result.error", { msg: e.message }) };
  }
  render();
}

async function main() {
  await i18n.init();
  i18n.onChange(render);
  let list = [];
  try { list = (await getJSON("/api/v1/plebiscites")).plebiscites; } catch (e) { state = { error: t("result.error", { msg: e.message }) }; }
  const want = param("id");
  $("plebiscite").replaceChildren(...list.map((p) => el("option", { value: p.id, selected: p.id === want }, p.id)));
  $("plebiscite").addEventListener("change", load);
  if (list.length) await load(); else render();
  document.body.dataset.ready = "true";
}

main();

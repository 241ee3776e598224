// The explorer (SPEC §19.2): the world as of a date from GET
// /api/v1/world?at=, the timeline's dates from GET /api/v1/timeline, and the
// log's checkpoint verified in the page.
import * as i18n from "./i18n.js";
import { t } from "./i18n.js";
import { getJSON, getText, el, hex, param } from "./api.js";
import { drawMap } from "./map.js";
import { verifyCheckpoint, verifySignature } from "./merkle.js";

let world = null;
let dates = [];
let verification = null;
let names = new Map();

const $ = (id) => document.getElementById(id);
const partyName = (id) => (id ? names.get(id) || id : "");
const badge = (prefix, state) => el("span", { class: `badge st-${state}`, "data-state": state }, t(`${prefix}.${state}`));
const short = (h) => (h ? h.slice(0, 8) : "");

function recognitionList(recs, recognise) {
  const ps = recs.filter((r) => r.recognise === recognise);
  if (ps.length === 0) return el("span", { class: "muted" }, "—");
  return ps.map((r, i) => [i ? ", " : "", el("span", { title: r.date }, partyName(r.party))]);
}

function table(caption, headers, rows, empty) {
  if (rows.length === 0) return el("p", { class: "muted" }, empty || t("explorer.none"));
  return el("table", {},
    el("caption", { class: "skip-caption" }, caption),
    el("thead", {}, el("tr", {}, headers.map((h) => el("th", { scope: "col" }, t(h))))),
    el("tbody", {}, rows));
}

function renderInstruments(w) {
  return table(t("explorer.instruments"),
    ["col.title", "col.kind", "col.parties", "col.status", "col.inForce", "col.ends"],
    w.instruments.map((i) => el("tr", { "data-instrument": i.hash },
      el("td", {}, i.title, el("br"), el("code", { class: "muted" }, short(i.hash))),
      el("td", {}, t("kind." + i.kind)),
      el("td", {}, i.parties.map(partyName).join(", ")),
      el("td", {}, badge("status", i.status)),
      el("td", {}, i.entry_into_force || "—"),
      el("td", {}, i.end || "—"))));
}

function renderObligations(w) {
  return table(t("explorer.obligations"),
    ["col.instrument", "col.obligor", "col.action", "col.deadline", "col.state", "col.attestations"],
    w.obligations.map((o) => el("tr", { "data-clause": o.clause, "data-obligor": o.obligor },
      el("td", {}, o.title, el("br"), el("code", { class: "muted" }, o.clause)),
      el("td", {}, partyName(o.obligor)),
      el("td", {}, o.action),
      el("td", {}, o.deadline),
      el("td", {}, badge("obligation", o.state), o.late ? [" ", t("obligation.late")] : ""),
      el("td", {}, o.attestations.length === 0 ? el("span", { class: "muted" }, "—")
        : o.attestations.map((a, i) => [i ? "; " : "", `${partyName(a.party)}: ${t("outcome." + a.outcome)} (${a.date})`])))));
}

function renderTerritories(w) {
  return table(t("explorer.territories"),
    ["col.territory", "col.population", "col.holder", "col.since", "col.basis", "col.recognisedBy", "col.refusedBy"],
    w.territories.map((ter) => el("tr", { "data-territory": ter.id },
      el("td", {}, ter.name),
      el("td", {}, ter.population ? `${Number(ter.population.count).toLocaleString(i18n.lang())} (${ter.population.as_of})` : "—"),
      el("td", {}, ter.holding ? partyName(ter.holding.holder) : "—"),
      el("td", {}, ter.holding ? ter.holding.since : "—"),
      el("td", {}, ter.holding ? t("basis." + ter.holding.basis) : "—"),
      el("td", {}, recognitionList(ter.recognitions, true)),
      el("td", {}, recognitionList(ter.recognitions, false)))));
}

function renderDemarcations(w) {
  const rows = [];
  for (const d of w.demarcations) {
    for (const s of d.sectors) {
      rows.push(el("tr", { "data-sector": s.id },
        el("td", {}, d.title), el("td", {}, s.name), el("td", {}, badge("sector", s.status))));
    }
  }
  return table(t("explorer.demarcations"), ["col.instrument", "col.sector", "col.status"], rows);
}

function renderActs(w) {
  return table(t("explorer.acts"),
    ["col.date", "col.author", "col.act", "col.territory", "col.text", "col.recognisedBy", "col.refusedBy"],
    w.acts.map((a) => el("tr", { "data-act": a.hash },
      el("td", {}, a.date),
      el("td", {}, partyName(a.author)),
      el("td", {}, t("act." + a.kind)),
      el("td", {}, a.territory || "—"),
      el("td", {}, a.text),
      el("td", {}, recognitionList(a.recognitions, true)),
      el("td", {}, recognitionList(a.recognitions, false)))));
}

function renderUnions(w) {
  return table(t("explorer.unions"), ["col.union", "col.members", "col.former"],
    w.unions.map((u) => el("tr", {},
      el("td", {}, u.name),
      el("td", {}, u.members.map((m) => partyName(m.party)).join(", ") || "—"),
      el("td", {}, u.former.map((m) => `${partyName(m.party)} (${m.until})`).join(", ") || "—"))));
}

function renderWorld() {
  if (!world) return;
  names = new Map(world.parties.map((p) => [p.id, p.name]));
  $("world-status").textContent = t("explorer.showing", { date: world.at });
  drawMap($("map"), world, t, partyName);
  $("instruments").replaceChildren(renderInstruments(world));
  $("obligations").replaceChildren(renderObligations(world));
  $("territories").replaceChildren(renderTerritories(world));
  $("demarcations").replaceChildren(renderDemarcations(world));
  $("acts").replaceChildren(renderActs(world));
  $("unions").replaceChildren(renderUnions(world));
}

function renderDates() {
  const at = world ? world.at : "";
  $("dates").replaceChildren(...dates.map((d) => el("li", {},
    el("button", {
      type: "button", "aria-pressed": d.date === at ? "true" : "false", "data-date": d.date,
      "aria-label": t("explorer.dateButton", { date: d.date, n: d.entries }),
    }, d.date))));
}

async function show(at) {
  $("world-status").textContent = t("explorer.loading");
  try {
    world = await getJSON("/api/v1/world" + (at ? "?at=" + encodeURIComponent(at) : ""));
  } catch (e) {
    $("world-status").textContent = t("explorer.error", { msg: e.message });
    return;
  }
  $("at").value = world.at;
  const u = new URL(location.href);
  u.searchParams.set("at", world.at);
  history.replaceState(null, "", u);
  renderWorld();
  renderDates();
}

function renderCheckpoint() {
  const dl = $("checkpoint");
  const st = $("verify-status");
  if (!verification) return;
  if (verification.error) {
    st.className = "status bad";
    st.textContent = t("verify.failed", { msg: verification.error });
    return;
  }
  const { cp, computed, ok, signature } = verification;
  const row = (k, v) => [el("dt", {}, t(k)), el("dd", {}, v)];
  dl.replaceChildren(...row("checkpoint.origin", cp.origin), ...row("checkpoint.size", String(cp.size)),
    ...row("checkpoint.root", el("code", { id: "checkpoint-root" }, hex(cp.root))),
    ...row("checkpoint.signature", signature === true ? t("checkpoint.sigOk")
      : signature === false ? t("checkpoint.sigBad") : t("checkpoint.sigUnchecked")),
    ...row("checkpoint.witnesses", String(Math.max(0, cp.sigs.length - 1))));
  if (ok === null) {
    st.className = "status";
    st.textContent = t("verify.tooLarge", { n: cp.size });
  } else if (ok && signature !== false) {
    st.className = "status ok";
    st.dataset.verified = "true";
    st.textContent = t("verify.ok", { n: cp.size });
  } else {
    st.className = "status bad";
    st.dataset.verified = "false";
    st.textContent = signature === false ? t("checkpoint.sigBad") : t("verify.mismatch", { computed: hex(computed), root: hex(cp.root) });
  }
}

async function verify() {
  try {
    const text = await getText("/checkpoint");
    const v = await verifyCheckpoint(text);
    let key = "";
    try { key = (await getJSON("/api/v1/checkpoint")).log_key || ""; } catch (_) { /* optional */ }
    v.signature = await verifySignature(v.cp, key);
    verification = v;
  } catch (e) {
    verification = { error: e.message };
  }
  renderCheckpoint();
}

async function main() {
  await i18n.init();
  i18n.onChange(() => { renderWorld(); renderDates(); renderCheckpoint(); });
  $("date-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    show($("at").value);
  });
  $("dates").addEventListener("click", (ev) => {
    const b = ev.target.closest("button[data-date]");
    if (b) show(b.dataset.date);
  });
  try {
    dates = (await getJSON("/api/v1/timeline")).dates;
  } catch (e) {
    $("world-status").textContent = t("explorer.error", { msg: e.message });
  }
  const at = param("at") || (dates.length ? dates[dates.length - 1].date : "");
  await Promise.all([show(at), verify()]);
  document.body.dataset.ready = "true";
}

main();

// Tracking code look-up (SPEC §19.4.4): GET
// /api/v1/plebiscites/{id}/tracking/{code}.
import * as i18n from "./i18n.js";
import { t } from "./i18n.js";
import { getJSON, el, param } from "./api.js";

const $ = (id) => document.getElementById(id);
let found = null;
let failure = "";

export async function fillPlebiscites() {
  let list = [];
  try { list = (await getJSON("/api/v1/plebiscites")).plebiscites; } catch (_) { /* shown on use */ }
  const want = param("id");
  $("plebiscite").replaceChildren(...list.map((p) => el("option", { value: p.id, selected: p.id === want }, p.id)));
}

function render() {
  const out = $("track-result");
  if (failure) { out.className = "error"; out.textContent = failure; return; }
  if (!found) { out.replaceChildren(); return; }
  out.className = "success";
  const row = (k, v) => [el("dt", {}, t(k)), el("dd", {}, v)];
  out.replaceChildren(el("p", { id: "track-found" }, t("track.found", { index: found.index })),
    el("dl", {},
      ...row("track.full", el("code", { id: "found-code" }, found.tracking_code)),
      ...(found.short_code ? row("track.short", found.short_code) : []),
      ...(found.kind ? row("track.kind", t("track.kind." + found.kind)) : []),
      ...(found.counted === undefined ? [] : row("track.counted", found.counted ? t("track.yes") : t("track.no")))));
}

async function lookup(ev) {
  if (ev) ev.preventDefault();
  const code = $("code").value.trim();
  if (!code) return;
  found = null; failure = "";
  try {
    found = await getJSON(`/api/v1/plebiscites/${encodeURIComponent($("plebiscite").value)}/tracking/${encodeURIComponent(code)}`);
  } catch (e) {
    failure = e.status === 404 ? t("track.notFound", { code }) : t("track.error", { msg: e.message });
  }
  render();
}

async function main() {
  await i18n.init();
  i18n.onChange(render);
  $("track-form").addEventListener("submit", lookup);
  await fillPlebiscites();
  if (param("code")) {
    $("code").value = param("code");
    await lookup();
  }
  document.body.dataset.ready = "true";
}

main();

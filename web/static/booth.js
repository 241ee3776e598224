// The voting booth (SPEC §19.4): fetch the manifest, read the credential,
// encrypt in the browser with the WebAssembly module (concord/web/wasm),
// then audit (Benaloh) or cast; the server receives only BALLOT bytes.
import * as i18n from "./i18n.js";
import { t } from "./i18n.js";
import { getJSON, getText, postBytes, el, b64decode, param } from "./api.js";

const $ = (id) => document.getElementById(id);
let manifestText = "";
let info = null;
let pending = null; // {ballot, tracking_code, short_code, audit} not yet cast or audited
let lastAudit = null;

function status(msg, kind) {
  const s = $("booth-status");
  s.className = kind || "";
  s.textContent = msg;
}

// wasm loads the module once and resolves when its functions are set.
const wasm = (() => {
  let p = null;
  return () => p || (p = (async () => {
    const go = new Go();
    const ready = new Promise((resolve) => { globalThis.concordOnReady = resolve; });
    const { instance } = await WebAssembly.instantiateStreaming(fetch("booth.wasm"), go.importObject);
    go.run(instance);
    if (!globalThis.concordReady) await ready;
  })());
})();

// call invokes a module function and unwraps its {"result"} or {"error"}.
function call(name, ...args) {
  const out = JSON.parse(globalThis[name](...args));
  if (out.error) throw new Error(out.error);
  return out.result;
}

function plebisciteID() { return $("plebiscite").value; }

async function loadPlebiscites() {
  let list = [];
  try {
    list = (await getJSON("/api/v1/plebiscites")).plebiscites;
  } catch (e) {
    status(t("booth.noService", { msg: e.message }), "error");
  }
  const want = param("id");
  $("plebiscite").replaceChildren(...list.map((p) => el("option", { value: p.id, selected: p.id === want }, `${p.id}: ${p.question || p.territory || ""}`)));
  if (list.length === 0) status(t("booth.none"), "error");
  else await loadManifest();
}

async function loadManifest() {
  pending = null;
  $("review").hidden = true;
  try {
    manifestText = await getText(`/api/v1/plebiscites/${encodeURIComponent(plebisciteID())}/manifest`);
    await wasm();
    info = call("concordManifestInfo", manifestText);
  } catch (e) {
    info = null;
    status(t("booth.manifestError", { msg: e.message }), "error");
    return;
  }
  renderManifest();
  status(t("booth.ready"));
}

function renderManifest() {
  if (!info) return;
  const row = (k, v) => [el("dt", {}, t(k)), el("dd", {}, v)];
  $("manifest-info").replaceChildren(
    ...row("booth.period", t("booth.periodValue", { opens: info.opens, closes: info.closes })),
    ...row("booth.manifestHash", el("code", { id: "manifest-hash" }, info.hash)));
  $("question").textContent = info.question;
  const kept = new Set(choices());
  const single = info.min === 1 && info.max === 1;
  $("rule").textContent = single ? t("booth.ruleOne") : t("booth.ruleRange", { min: info.min, max: info.max });
  $("options").replaceChildren(...info.options.map((label, i) => el("label", { class: "choice", for: `opt-${i}` },
    el("input", { type: single ? "radio" : "checkbox", name: "choice", id: `opt-${i}`, value: i, checked: kept.has(i) }), label)));
}

async function readCredential() {
  const f = $("cred-file").files[0];
  if (f) return f.text();
  return $("cred-text").value;
}

function choices() {
  return Array.from(document.querySelectorAll("input[name=choice]:checked"), (x) => Number(x.value));
}

async function encrypt(ev) {
  ev.preventDefault();
  $("audit-result").hidden = true;
  $("cast-result").hidden = true;
  const cred = (await readCredential()).trim();
  if (!cred) { status(t("booth.needCredential"), "error"); $("cred-text").focus(); return; }
  const picked = choices();
  if (!info || picked.length < info.min || picked.length > info.max) {
    status(t("booth.badChoice", { min: info ? info.min : 1, max: info ? info.max : 1 }), "error");
    return;
  }
  status(t("booth.encrypting"));
  try {
    await wasm();
    const t0 = performance.now();
    pending = call("concordCast", manifestText, cred, picked);
    $("review").dataset.encryptMs = (performance.now() - t0).toFixed(1);
  } catch (e) {
    status(t("booth.encryptError", { msg: e.message }), "error");
    return;
  }
  $("pending-code").textContent = pending.short_code;
  $("review").hidden = false;
  status(t("booth.encryptedStatus"));
  $("step4-h").focus();
}

function audit() {
  if (!pending) return;
  const p = pending;
  pending = null; // spoiled: it can never be cast
  $("review").hidden = true;
  $("audit-result").hidden = false;
  try {
    const a = call("concordVerifyAudit", manifestText, p.audit);
    lastAudit = p.audit;
    $("audit-status").className = "status ok";
    $("audit-status").dataset.passed = "true";
    $("audit-status").textContent = t("booth.auditPassed");
    $("audit-choice").textContent = t("booth.auditChoice", { choice: a.labels.join(", ") || t("booth.blank"), code: a.short_code });
  } catch (e) {
    lastAudit = null;
    $("audit-status").className = "status bad";
    $("audit-status").dataset.passed = "false";
    $("audit-status").textContent = t("booth.auditFailed", { msg: e.message });
    $("audit-choice").textContent = "";
  }
  $("publish-audit").disabled = !lastAudit;
  status(t("booth.spoiledStatus"));
  $("audit-h").focus();
}

async function publishAudit() {
  if (!lastAudit) return;
  try {
    const r = await postBytes(`/api/v1/plebiscites/${encodeURIComponent(plebisciteID())}/ballots`, b64decode(lastAudit));
    status(t("booth.published", { index: r.index }), "success");
    $("publish-audit").disabled = true;
  } catch (e) {
    status(t("booth.castError", { msg: e.message }), "error");
  }
}

async function cast() {
  if (!pending) return;
  const p = pending;
  $("cast").disabled = $("audit").disabled = true;
  status(t("booth.casting"));
  try {
    const r = await postBytes(`/api/v1/plebiscites/${encodeURIComponent(plebisciteID())}/ballots`, b64decode(p.ballot));
    pending = null;
    $("review").hidden = true;
    $("cast-result").hidden = false;
    $("tracking-code").textContent = p.short_code;
    $("tracking-full").textContent = p.tracking_code;
    const same = r.tracking_code === p.tracking_code;
    $("receipt-check").className = same ? "status ok" : "status bad";
    $("receipt-check").textContent = same ? t("booth.receiptOk", { index: r.index }) : t("booth.receiptBad", { code: r.tracking_code });
    $("track-link").href = `track.html?id=${encodeURIComponent(plebisciteID())}&code=${encodeURIComponent(p.short_code)}`;
    status(t("booth.castStatus"), "success");
    $("cast-h").focus();
  } catch (e) {
    status(t("booth.castError", { msg: e.message }), "error");
  } finally {
    $("cast").disabled = $("audit").disabled = false;
  }
}

async function main() {
  await i18n.init();
  i18n.onChange(() => renderManifest());
  $("plebiscite").addEventListener("change", loadManifest);
  $("ballot-form").addEventListener("submit", encrypt);
  $("audit").addEventListener("click", audit);
  $("cast").addEventListener("click", cast);
  $("publish-audit").addEventListener("click", publishAudit);
  await loadPlebiscites();
  document.body.dataset.ready = "true";
}

main();

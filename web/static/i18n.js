// Message catalogues (SPEC §19.3): every UI string has a key; the English
// text in the HTML is the fallback, and i18n/<lang>.json holds each language.
export const languages = { en: "English", ro: "Română", ru: "Русский" };

let current = "en";
let catalogue = {};
let english = {};
const listeners = [];

async function load(lang) {
  const r = await fetch(`i18n/${lang}.json`);
  if (!r.ok) throw new Error(`catalogue ${lang}: HTTP ${r.status}`);
  return r.json();
}

function pick() {
  const q = new URLSearchParams(location.search).get("lang");
  if (q && languages[q]) return q;
  try {
    const s = localStorage.getItem("concord.lang");
    if (s && languages[s]) return s;
  } catch (_) { /* storage may be off */ }
  for (const l of navigator.languages || []) {
    const p = l.slice(0, 2).toLowerCase();
    if (languages[p]) return p;
  }
  return "en";
}

// t returns the message for key in the current language, falling back to
// English and then to the key; {name} placeholders are replaced from vars.
export function t(key, vars) {
  let s = catalogue[key] ?? english[key] ?? key;
  if (vars) s = s.replace(/\{(\w+)\}/g, (m, k) => (k in vars ? String(vars[k]) : m));
  return s;
}

export function lang() { return current; }

// apply sets the text of every [data-i18n] element and the attributes named
// by [data-i18n-attr="attr:key;attr:key"].
export function apply(root = document) {
  for (const el of root.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll("[data-i18n-attr]")) {
    for (const pair of el.dataset.i18nAttr.split(";")) {
      const [attr, key] = pair.split(":");
      if (attr && key) el.setAttribute(attr.trim(), t(key.trim()));
    }
  }
  document.documentElement.lang = current;
  const title = document.querySelector("title[data-i18n]");
  if (title) document.title = t(title.dataset.i18n);
}

export async function setLanguage(l) {
  if (!languages[l]) l = "en";
  catalogue = l === "en" ? english : await load(l);
  current = l;
  try { localStorage.setItem("concord.lang", l); } catch (_) { /* ignore */ }
  apply();
  for (const f of listeners) f(l);
}

// onChange registers f to re-render dynamic text after a language change.
export function onChange(f) { listeners.push(f); }

// init loads the catalogues and wires the #lang selector.
export async function init() {
  try { english = await load("en"); } catch (_) { english = {}; }
  const sel = document.getElementById("lang");
  if (sel) {
    sel.replaceChildren(...Object.entries(languages).map(([code, name]) => {
      const o = document.createElement("option");
      o.value = code; o.textContent = name; o.lang = code;
      return o;
    }));
    sel.addEventListener("change", () => setLanguage(sel.value));
  }
  const l = pick();
  try { await setLanguage(l); } catch (_) { await setLanguage("en"); }
  if (sel) sel.value = current;
}

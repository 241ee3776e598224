// Small helpers shared by the pages: JSON API calls with readable errors
// and DOM construction without innerHTML.

export class APIError extends Error {
  constructor(status, body) {
    super(body && body.error ? body.error : `HTTP ${status}`);
    this.status = status;
    this.hint = body && body.hint;
  }
}

async function check(r) {
  if (r.ok) return r;
  let body = null;
  try { body = await r.json(); } catch (_) { /* not JSON */ }
  throw new APIError(r.status, body);
}

export async function getJSON(path) {
  return (await check(await fetch(path, { headers: { Accept: "application/json" } }))).json();
}

export async function getText(path) {
  return (await check(await fetch(path))).text();
}

export async function getBytes(path) {
  return new Uint8Array(await (await check(await fetch(path))).arrayBuffer());
}

export async function postBytes(path, bytes) {
  const r = await fetch(path, {
    method: "POST",
    headers: { "Content-Type": "application/octet-stream", Accept: "application/json" },
    body: bytes,
  });
  return (await check(r)).json();
}

// el builds an element: el("td", {class: "x"}, "text", child, …).
export function el(tag, attrs, ...children) {
  const ns = ["svg", "g", "path", "rect", "text", "title", "line", "circle", "desc"].includes(tag)
    ? "http://www.w3.org/2000/svg" : null;
  const e = ns ? document.createElementNS(ns, tag) : document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    e.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

export function b64decode(s) {
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

export function hex(bytes) {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

export function param(name) {
  return new URLSearchParams(location.search).get(name);
}

// showError puts an error message into a live region.
export function showError(region, msg) {
  region.hidden = false;
  region.className = "error";
  region.textContent = msg;
}

// Checkpoint verification in the browser (SPEC §19.2.4): parse the C2SP
// checkpoint, fetch the log's entry bundles (C2SP tlog-tiles), recompute the
// RFC 6962 Merkle tree hash and compare it with the checkpoint's root; check
// the log's Ed25519 signature when the log key is known and the browser
// supports Ed25519 in WebCrypto.
import { getBytes, b64decode, hex } from "./api.js";

// MaxVerifyEntries bounds how many entries the page downloads to verify.
export const MaxVerifyEntries = 65536;

// sha256 hashes bytes with WebCrypto, or with the fallback below where
// WebCrypto is unavailable (pages not served from a secure context).
export async function sha256(bytes) {
  if (globalThis.crypto && crypto.subtle) {
    return new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  }
  return sha256Fallback(bytes);
}

const K = new Uint32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);

// sha256Fallback is FIPS 180-4 SHA-256 in plain JavaScript.
export function sha256Fallback(msg) {
  const n = msg.length;
  const padded = new Uint8Array(((n + 9 + 63) >> 6) << 6);
  padded.set(msg);
  padded[n] = 0x80;
  const dv = new DataView(padded.buffer);
  dv.setUint32(padded.length - 8, Math.floor(n / 0x20000000));
  dv.setUint32(padded.length - 4, (n << 3) >>> 0);
  const h = new Uint32Array([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);
  const w = new Uint32Array(64);
  const rotr = (x, r) => (x >>> r) | (x << (32 - r));
  for (let off = 0; off < padded.length; off += 64) {
    for (let i = 0; i < 16; i++) w[i] = dv.getUint32(off + 4 * i);
    for (let i = 16; i < 64; i++) {
      const s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >>> 3);
      const s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >>> 10);
      w[i] = (w[i - 16] + s0 + w[i - 7] + s1) >>> 0;
    }
    let [a, b, c, d, e, f, g, hh] = h;
    for (let i = 0; i < 64; i++) {
      const t1 = (hh + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + K[i] + w[i]) >>> 0;
      const t2 = ((rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c))) >>> 0;
      hh = g; g = f; f = e; e = (d + t1) >>> 0; d = c; c = b; b = a; a = (t1 + t2) >>> 0;
    }
    const v = [a, b, c, d, e, f, g, hh];
    for (let i = 0; i < 8; i++) h[i] = (h[i] + v[i]) >>> 0;
  }
  const out = new Uint8Array(32);
  const ov = new DataView(out.buffer);
  for (let i = 0; i < 8; i++) ov.setUint32(4 * i, h[i]);
  return out;
}

function concat(...parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

export const leafHash = (leaf) => sha256(concat(Uint8Array.of(0), leaf));
const nodeHash = (l, r) => sha256(concat(Uint8Array.of(1), l, r));

// merkleRoot is RFC 6962's MTH over leaf hashes, computed level by level
// (an odd last node moves up unchanged, which gives the same tree).
export async function merkleRoot(level) {
  if (level.length === 0) return sha256(new Uint8Array(0));
  while (level.length > 1) {
    const next = [];
    for (let i = 0; i + 1 < level.length; i += 2) next.push(await nodeHash(level[i], level[i + 1]));
    if (level.length % 2 === 1) next.push(level[level.length - 1]);
    level = next;
  }
  return level[0];
}

// parseCheckpoint reads a C2SP signed note checkpoint.
export function parseCheckpoint(text) {
  const cut = text.indexOf("\n\n");
  if (cut < 0) throw new Error("checkpoint is not a signed note");
  const body = text.slice(0, cut + 1);
  const lines = body.split("\n");
  if (lines.length < 4 || !/^[0-9]+$/.test(lines[1])) throw new Error("malformed checkpoint body");
  const root = b64decode(lines[2]);
  if (root.length !== 32) throw new Error("checkpoint root is not 32 bytes");
  const sigs = text.slice(cut + 2).split("\n").filter((l) => l.startsWith("\u2014 ")).map((l) => {
    const [, name, sig] = l.split(" ");
    return { name, sig: b64decode(sig) };
  });
  return { origin: lines[0], size: Number(lines[1]), root, body, sigs };
}

// tilePath encodes a tile index as C2SP tlog-tiles does: groups of three
// digits, all but the last prefixed with "x".
export function tilePath(n) {
  const groups = [];
  do { groups.unshift(String(n % 1000).padStart(3, "0")); n = Math.floor(n / 1000); } while (n > 0);
  return groups.map((g, i) => (i < groups.length - 1 ? "x" + g : g)).join("/");
}

// fetchEntries returns the first size entries of the log from its entry
// bundles.
export async function fetchEntries(size) {
  const out = [];
  for (let k = 0; k * 256 < size; k++) {
    const w = Math.min(256, size - k * 256);
    const bundle = await getBytes(`/tile/entries/${tilePath(k)}${w < 256 ? ".p/" + w : ""}`);
    let o = 0;
    while (o < bundle.length && out.length < (k + 1) * 256) {
      if (o + 2 > bundle.length) throw new Error(`entry bundle ${k} is truncated`);
      const len = (bundle[o] << 8) | bundle[o + 1];
      if (o + 2 + len > bundle.length) throw new Error(`entry bundle ${k} is truncated`);
      out.push(bundle.subarray(o + 2, o + 2 + len));
      o += 2 + len;
    }
    if (out.length !== k * 256 + w) throw new Error(`entry bundle ${k} holds ${out.length - k * 256} entries; want ${w}`);
  }
  return out;
}

// verifySignature checks the log's signature on the checkpoint with its
// verifier key "<name>+<hash>+<base64(0x01 ‖ key)>"; null if it cannot.
export async function verifySignature(cp, vkey) {
  if (!vkey || !(globalThis.crypto && crypto.subtle)) return null;
  // name+hash+key: names contain no "+", but base64 keys may.
  const v = vkey.trim();
  const i = v.indexOf("+"), j = v.indexOf("+", i + 1);
  if (i < 0 || j < 0) return false;
  const name = v.slice(0, i), hashHex = v.slice(i + 1, j);
  let key;
  try { key = b64decode(v.slice(j + 1)); } catch (_) { return false; }
  if (name !== cp.origin || key.length !== 33 || key[0] !== 1) return false;
  const sig = cp.sigs.find((s) => s.name === name && s.sig.length === 68 && hex(s.sig.subarray(0, 4)) === hashHex);
  if (!sig) return false;
  try {
    const k = await crypto.subtle.importKey("raw", key.subarray(1), { name: "Ed25519" }, false, ["verify"]);
    return await crypto.subtle.verify({ name: "Ed25519" }, k, sig.sig.subarray(4), new TextEncoder().encode(cp.body));
  } catch (_) {
    return null; // no Ed25519 in this browser's WebCrypto
  }
}

// verifyCheckpoint recomputes the root of the checkpoint's tree from the
// log's entries. It returns {cp, computed, ok, entries}.
export async function verifyCheckpoint(text) {
  const cp = parseCheckpoint(text);
  if (cp.size > MaxVerifyEntries) return { cp, computed: null, ok: null, entries: [] };
  const entries = await fetchEntries(cp.size);
  const hashes = [];
  for (const e of entries) hashes.push(await leafHash(e));
  const computed = await merkleRoot(hashes);
  return { cp, computed, ok: hex(computed) === hex(cp.root), entries };
}

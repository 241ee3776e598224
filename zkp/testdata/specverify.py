#!/usr/bin/env python3
"""Independent check of the vectors of docs/spec/09-group.md, 10-elgamal.md and
11-proofs.md, written from the spec text only (big integers, affine Edwards
arithmetic, no code shared with the Go implementation).

Usage: python3 zkp/testdata/specverify.py [vectors.txt]
"""
import hashlib, struct, sys
p = 2**255 - 19
l = 2**252 + 27742317777372353535851937790883648493
def inv(x): return pow(x, p-2, p)
d = (-121665 * inv(121666)) % p
SQRT_M1 = pow(2, (p-1)//4, p)
def neg(x): return (x % p) & 1
def cabs(x): x %= p; return (p - x) % p if neg(x) else x
def sqrt_ratio_m1(u, v):
    u %= p; v %= p
    r = u * pow(v, 3, p) * pow(u * pow(v, 7, p), (p-5)//8, p) % p
    check = v * r * r % p
    correct = check == u
    flipped = check == (-u) % p
    flipped_i = check == (-u * SQRT_M1) % p
    if flipped or flipped_i: r = r * SQRT_M1 % p
    return (correct or flipped), cabs(r)
INVSQRT_A_MINUS_D = 54469307008909316920995813868745141605393597292927456921205312896311721017578
def add(P, Q):
    x1, y1 = P; x2, y2 = Q
    k = d * x1 * x2 * y1 * y2 % p
    return ((x1*y2 + y1*x2) * inv(1 + k) % p, (y1*y2 + x1*x2) * inv(1 - k) % p)
def mul(s, P):
    R = (0, 1)
    for bit in bin(s % l)[2:]:
        R = add(R, R)
        if bit == '1': R = add(R, P)
    return R
def negate(P): return ((-P[0]) % p, P[1])
def encode(P):
    x0, y0 = P; z0 = 1; t0 = x0 * y0 % p
    u1 = (z0 + y0) * (z0 - y0) % p
    u2 = x0 * y0 % p
    _, invsqrt = sqrt_ratio_m1(1, u1 * u2 * u2)
    den1 = invsqrt * u1 % p; den2 = invsqrt * u2 % p
    z_inv = den1 * den2 * t0 % p
    ix0 = x0 * SQRT_M1 % p; iy0 = y0 * SQRT_M1 % p
    ench = den1 * INVSQRT_A_MINUS_D % p
    rotate = neg(t0 * z_inv)
    x, y, den_inv = (iy0, ix0, ench) if rotate else (x0, y0, den2)
    if neg(x * z_inv): y = (-y) % p
    s = cabs(den_inv * (z0 - y))
    return s.to_bytes(32, 'little')
def decode(b):
    assert len(b) == 32
    s = int.from_bytes(b, 'little')
    if s >= p or neg(s): raise ValueError("bad s")
    ss = s * s % p; u1 = (1 - ss) % p; u2 = (1 + ss) % p; u2sq = u2 * u2 % p
    v = (-(d * u1 * u1) - u2sq) % p
    ok, invsqrt = sqrt_ratio_m1(1, v * u2sq)
    den_x = invsqrt * u2 % p; den_y = invsqrt * den_x * v % p
    x = cabs(2 * s * den_x); y = u1 * den_y % p; t = x * y % p
    if not ok or neg(t) or y == 0: raise ValueError("bad point")
    return (x, y)
def MAP(t):
    ONE_MINUS_D_SQ = (1 - d * d) % p; D_MINUS_ONE_SQ = (d - 1) ** 2 % p
    SQRT_AD_MINUS_ONE = 25063068953384623474111414158702152701244531502492656460079210482610430750235
    r = SQRT_M1 * t * t % p
    u = (r + 1) * ONE_MINUS_D_SQ % p
    v = (-1 - r * d) * (r + d) % p
    was_sq, s = sqrt_ratio_m1(u, v)
    s_prime = (-cabs(s * t)) % p
    if not was_sq: s = s_prime
    c = (p - 1) if was_sq else r
    N = (c * (r - 1) * D_MINUS_ONE_SQ - v) % p
    w0 = 2 * s * v % p; w1 = N * SQRT_AD_MINUS_ONE % p; w2 = (1 - s * s) % p; w3 = (1 + s * s) % p
    return (w0 * inv(w1) % p, w2 * inv(w3) % p)
def from_uniform(b):
    r0 = int.from_bytes(b[:32], 'little') & ((1 << 255) - 1)
    r1 = int.from_bytes(b[32:], 'little') & ((1 << 255) - 1)
    return add(MAP(r0 % p), MAP(r1 % p))
def LP(b): return struct.pack('>Q', len(b)) + b
def hash_to_scalar(label, *parts):
    m = LP(b"concord/ristretto255/hash-to-scalar/v1") + LP(label)
    for x in parts: m += LP(x)
    return int.from_bytes(hashlib.sha512(m).digest(), 'little') % l
def hash_to_element(label, *parts):
    m = LP(b"concord/ristretto255/hash-to-element/v1") + LP(label)
    for x in parts: m += LP(x)
    return from_uniform(hashlib.sha512(m).digest())
class Transcript:
    def __init__(s, label): s.t = LP(b"concord/zkp/transcript/v1") + LP(label)
    def append(s, label, b): s.t += b"\x01" + LP(label) + LP(b)
    def challenge(s, label):
        s.t += b"\x02" + LP(label)
        return int.from_bytes(hashlib.sha512(s.t).digest(), 'little') % l
G = decode(bytes.fromhex("e2f2ae0a6abc4e71a884a961c500515f58e30b6aa582dd8db6a65945e08d2d76"))
def eq(P, Q): return encode(P) == encode(Q)
def sc(b):
    s = int.from_bytes(b, 'little'); assert s < l; return s

# RFC 9496 A.1 sanity
assert encode(mul(2, G)).hex() == "6a493210f7499cd17fecb510ae0cea23a110e8d5b901f8acadd3095c73a3b919"
assert encode(from_uniform(bytes.fromhex("5d1be09e3d0c82fc538112490e35701979d99e06ca3e2b5b54bffe8b4dc772c14d98b696a1bbfb5ca32c436cc61c16563790306c79eaca7705668b47dffe5bb6"))).hex() == "3066f82a1a747d45120d1740f14358531a8f04bbffe6a819f86dfe50f44a0a46"
assert hash_to_scalar(b"test", b"concord").to_bytes(32, "little").hex() == "88cf73d9102be12d31720e58ed2372e3c90de5991bdaf28753a74cbdf1d33f03"
assert encode(hash_to_element(b"test", b"concord")).hex() == "36b68417b9a98d006bb3dc037aefa1437ffcbf44c08bcde12f8c12fa60e6835f"
print("SPEC §9.5 hash vectors OK")

vec = dict(line.split() for line in open(sys.argv[1] if len(sys.argv) > 1 else __file__.rsplit("/", 1)[0] + "/vectors.txt"))
ctx = b"manifest-hash:0123456789abcdef"
sk = hash_to_scalar(b"zkp test key")
Y = mul(sk, G)                     # election public key
r = hash_to_scalar(b"zkp test randomness")
A = mul(r, G); B = add(G, mul(r, Y))   # EncryptWith(pk, 1, r)
er, ek = hash_to_scalar(b"elgamal test randomness"), hash_to_scalar(b"elgamal test key")
assert (encode(mul(er, G)) + encode(add(G, mul(er, mul(ek, G))))).hex() == "2c51a610066f6832507b2ba1335fa17662304697329892e6a3a76b77393cda7e1e15d7b3170d5ec1e9ef7587e11e08537547d288610c557c0238ec2785b41f6c"
print("SPEC §10 ElGamal vector OK")
H = hash_to_element(b"zkp test H")
X = mul(sk, G); YH = mul(sk, H)

b = bytes.fromhex(vec["Schnorr"]); assert len(b) == 64
R = decode(b[:32]); z = sc(b[32:])
t = Transcript(b"concord/zkp/schnorr/v1"); t.append(b"ctx", ctx); t.append(b"G", encode(G)); t.append(b"X", encode(X)); t.append(b"R", encode(R))
c = t.challenge(b"c")
assert eq(mul(z, G), add(R, mul(c, X))); print("Schnorr OK")

b = bytes.fromhex(vec["DLEQ"]); assert len(b) == 96
R1, R2, z = decode(b[:32]), decode(b[32:64]), sc(b[64:])
t = Transcript(b"concord/zkp/dleq/v1"); t.append(b"ctx", ctx)
for lab, P in ((b"G", G), (b"H", H), (b"X", X), (b"Y", YH), (b"R1", R1), (b"R2", R2)): t.append(lab, encode(P))
c = t.challenge(b"c")
assert eq(mul(z, G), add(R1, mul(c, X))) and eq(mul(z, H), add(R2, mul(c, YH))); print("DLEQ OK")

def verify_or(b, label, values, is_range):
    k = len(values); assert len(b) == 128 * k - 32
    a = [decode(b[64*i:64*i+32]) for i in range(k)]; bb = [decode(b[64*i+32:64*i+64]) for i in range(k)]
    off = 64 * k
    cs = [sc(b[off+32*i:off+32*i+32]) for i in range(k-1)]; off += 32 * (k - 1)
    zs = [sc(b[off+32*i:off+32*i+32]) for i in range(k)]
    t = Transcript(label); t.append(b"ctx", ctx)
    for lab, P in ((b"G", G), (b"pk", Y), (b"A", A), (b"B", B)): t.append(lab, encode(P))
    if is_range:
        t.append(b"min", struct.pack('>Q', values[0])); t.append(b"max", struct.pack('>Q', values[-1]))
    for i in range(k): t.append(b"a", encode(a[i])); t.append(b"b", encode(bb[i]))
    c = t.challenge(b"c")
    cs.append((c - sum(cs)) % l)
    for i, v in enumerate(values):
        assert eq(mul(zs[i], G), add(a[i], mul(cs[i], A)))
        assert eq(mul(zs[i], Y), add(bb[i], mul(cs[i], add(B, negate(mul(v, G)))))) if v else eq(mul(zs[i], Y), add(bb[i], mul(cs[i], B)))
verify_or(bytes.fromhex(vec["Bit"]), b"concord/zkp/bit/v1", [0, 1], False); print("Bit OK")
verify_or(bytes.fromhex(vec["Range[1,1]"]), b"concord/zkp/range/v1", [1], True); print("Range OK")

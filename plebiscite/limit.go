package plebiscite

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha512"
	"runtime"
	"sync"
	"time"

	"filippo.io/edwards25519"

	"concord/elgamal"
	"concord/ristretto255"
	"concord/zkp"
)

// Limit is the cost of the work that verifying a record inherently needs,
// done with the fastest primitives of the libraries and nothing else: the
// reference against which the verifier is measured (docs/PERFORMANCE.md).
type Limit struct {
	Elapsed    time.Duration // wall time, on the same workers and chunks as the verifier
	Leaves     int
	Decodes    int // group elements decoded (SPEC §9.2)
	Encodes    int // group elements encoded: each range proof's sum ciphertext
	Terms      int // terms of the multi-scalar multiplications, one per chunk
	Signatures int // Ed25519 signatures: 2 point decodings, SHA-512 of the message and 2 terms each
	Hashed     int // bytes hashed with SHA-256 and SHA-512
}

// MeasureLimit does, for the leaves of rec, exactly the group operations,
// signature verifications and hashing that batched verification cannot
// avoid, with the same workers and chunk sizes as [VerifyRecordStream],
// and returns how long that took. Per ballot: the leaf hash and tracking
// code (SHA-256); decoding every element of the ballot, and the
// signature's R and credential as Edwards points; SHA-512 over the signed
// message and over each proof's public values; encoding the sum ciphertext
// of the range proof; and, per chunk, one multi-scalar multiplication with
// as many terms as the batch has (two per signature), with 128-bit weights
// where the batch has them, and the cofactor (SPEC §11.7.3). It checks
// nothing: the leaves must be valid.
func MeasureLimit(rec *StreamRecord) (*Limit, error) {
	workers := rec.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	e, _, err := openRecord(rec.Manifest, rec.Roll, nil)
	if err != nil {
		return nil, err
	}
	size := rec.Chunk
	if size <= 0 {
		// The verifier's chunk size follows from the number of leaves.
		n := 0
		if err := rec.Leaves(func([]byte) bool { n++; return true }); err != nil {
			return nil, err
		}
		size = chunkSize(n, workers)
	}
	pkEnc := e.Key.Bytes()
	start := time.Now()
	jobs := make(chan [][]byte, workers)
	parts := make([]Limit, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for c := range jobs {
				limitChunk(c, pkEnc, e.Key.Y, &parts[w])
			}
		})
	}
	n := 0
	cur := make([][]byte, 0, size)
	err = rec.Leaves(func(l []byte) bool {
		n++
		if cur = append(cur, l); len(cur) == size {
			jobs <- cur
			cur = make([][]byte, 0, size)
		}
		return true
	})
	if len(cur) > 0 {
		jobs <- cur
	}
	close(jobs)
	wg.Wait()
	if err != nil {
		return nil, err
	}
	l := &Limit{Elapsed: time.Since(start), Leaves: n}
	for _, p := range parts {
		l.Decodes += p.Decodes
		l.Encodes += p.Encodes
		l.Terms += p.Terms
		l.Signatures += p.Signatures
		l.Hashed += p.Hashed
	}
	return l, nil
}

// limitChunk does the inherent work of one chunk of ballot leaves.
func limitChunk(raw [][]byte, pkEnc []byte, pk *ristretto255.Element, acc *Limit) {
	points := []*ristretto255.Element{ristretto255.NewGeneratorElement(), pk}
	full := 2 // terms with a full-size scalar; the others have 128-bit weights
	var edPoints []*edwards25519.Point
	var buf []byte
	for _, l := range raw {
		b := ballotBytes(l)
		if b == nil || len(b) < ballotHeaderSize+SignatureSize {
			continue
		}
		leafHash(l)
		sha256.Sum256(b)
		acc.Hashed += 2 * len(l)
		decode := func(enc []byte) *ristretto255.Element {
			acc.Decodes++
			p, err := ristretto255.NewElement().SetCanonicalBytes(enc)
			if err != nil {
				return ristretto255.NewElement()
			}
			return p
		}
		n := int(b[ballotHeaderSize-1])
		per := elgamal.CiphertextSize + zkp.BitProofSize
		sumA, sumB := ristretto255.NewElement(), ristretto255.NewElement()
		for j := range n {
			off := ballotHeaderSize + j*per
			A, B := decode(b[off:off+32]), decode(b[off+32:off+64])
			sumA.Add(sumA, A)
			sumB.Add(sumB, B)
			points = append(points, A, B)
			full += 2
			for c := off + 64; c < off+64+128; c += 32 {
				points = append(points, decode(b[c:c+32]))
			}
			// The public values of the bit proof's challenge: context,
			// G, pk, the ciphertext and the commitments.
			buf = append(append(append(buf[:0], b[1:65]...), pkEnc...), b[off:off+192]...)
			sha512.Sum512(append(buf, pkEnc...))
			acc.Hashed += len(buf) + 32
		}
		rOff := ballotHeaderSize + n*per + 2
		rLen := len(b) - rOff - SignatureSize
		k := (rLen + 32) / 128
		for c := rOff; c < rOff+64*k; c += 32 {
			points = append(points, decode(b[c:c+32]))
		}
		buf = append(append(append(sumA.AppendBytes(buf[:0]), sumB.Bytes()...), b[1:65]...), b[rOff:rOff+64*k]...)
		acc.Encodes += 2
		sha512.Sum512(append(buf, pkEnc...))
		acc.Hashed += len(buf) + 32
		sig := b[len(b)-SignatureSize:]
		A, _ := ristretto255.DecodeEdwardsPoint(b[33:65])
		R, _ := ristretto255.DecodeEdwardsPoint(sig[:32])
		if A == nil || R == nil {
			continue
		}
		h := sha512.New()
		h.Write(sig[:32])
		h.Write(b[33:65])
		h.Write([]byte(labelBallot))
		h.Write(b[:len(b)-SignatureSize])
		h.Sum(buf[:0])
		acc.Hashed += 64 + len(labelBallot) + len(b) - SignatureSize
		edPoints = append(edPoints, A, R)
		acc.Signatures++
	}
	if len(points) == 2 {
		return
	}
	scalars := limitScalars(len(points), full)
	ristretto255.VarTimeCofactoredIdentity(scalars, points, limitScalars(len(edPoints), len(edPoints)/2), edPoints)
	acc.Terms += len(points) + len(edPoints)
}

// limitScalars returns n random scalars: the first full ones of full size,
// the rest below 2^128, drawn as the verifier draws its weights.
func limitScalars(n, full int) []*ristretto255.Scalar {
	buf := make([]byte, 16*n)
	rand.Read(buf)
	s := make([]*ristretto255.Scalar, n)
	var b [64]byte
	for i := range s {
		clear(b[:])
		copy(b[:16], buf[16*i:])
		if i < full {
			copy(b[16:], buf[16*i:16*i+16])
			copy(b[32:], buf[:32])
		}
		s[i], _ = ristretto255.NewScalar().SetUniformBytes(b[:])
	}
	return s
}

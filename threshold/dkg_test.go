package threshold

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"

	"concord/elgamal"
	"concord/ristretto255"
	"concord/zkp"
)

var testContext = []byte("manifest hash of the Bessarabian plebiscite")

// deal creates n trustees and runs round 1, returning the board without
// complaints.
func deal(t testing.TB, p Params) ([]*Trustee, *Board) {
	t.Helper()
	ts := make([]*Trustee, p.N)
	b := &Board{}
	for i := range ts {
		tr, err := NewTrustee(p, i+1)
		if err != nil {
			t.Fatalf("NewTrustee(%v, %d): %v", p, i+1, err)
		}
		ts[i] = tr
		b.Keys = append(b.Keys, tr.PublicKey())
	}
	for _, tr := range ts {
		c, shares, err := tr.Round1(b.Keys)
		if err != nil {
			t.Fatalf("trustee %d Round1: %v", tr.Index(), err)
		}
		if len(shares) != p.N-1 {
			t.Fatalf("trustee %d Round1 gave %d shares; want %d", tr.Index(), len(shares), p.N-1)
		}
		b.Commitments = append(b.Commitments, c)
		b.Shares = append(b.Shares, shares...)
	}
	return ts, b
}

// complain runs round 2 for every trustee and posts the complaints.
func complain(t testing.TB, ts []*Trustee, b *Board) {
	t.Helper()
	for _, tr := range ts {
		cs, err := tr.Receive(b)
		if err != nil {
			t.Fatalf("trustee %d Receive: %v", tr.Index(), err)
		}
		b.Complaints = append(b.Complaints, cs...)
	}
}

// finish runs Finish for every trustee and returns the public keys.
func finish(t testing.TB, p Params, ts []*Trustee, b *Board) *Keys {
	t.Helper()
	q, err := Qualified(p, b)
	if err != nil {
		t.Fatalf("Qualified: %v", err)
	}
	for _, tr := range ts {
		if err := tr.Finish(b); err != nil {
			t.Fatalf("trustee %d Finish: %v", tr.Index(), err)
		}
	}
	keys, err := PublicKeys(p, b.Commitments, q)
	if err != nil {
		t.Fatalf("PublicKeys: %v", err)
	}
	return keys
}

// encrypt returns an exponential ElGamal encryption of m under y.
func encrypt(m uint64, y *ristretto255.Element) *elgamal.Ciphertext {
	r := ristretto255.RandomScalar()
	a := ristretto255.NewElement().ScalarBaseMult(r)
	b := ristretto255.NewElement().ScalarMult(r, y)
	b.Add(b, ristretto255.NewElement().ScalarBaseMult(ristretto255.ScalarFromUint64(m)))
	return &elgamal.Ciphertext{A: a, B: b}
}

func plain(m uint64) *ristretto255.Element {
	return ristretto255.NewElement().ScalarBaseMult(ristretto255.ScalarFromUint64(m))
}

// subsets returns all k-subsets of 1 … n.
func subsets(n, k int) [][]int {
	var out [][]int
	var rec func(start int, cur []int)
	rec = func(start int, cur []int) {
		if len(cur) == k {
			out = append(out, append([]int(nil), cur...))
			return
		}
		for j := start; j <= n; j++ {
			rec(j+1, append(cur, j))
		}
	}
	rec(1, nil)
	return out
}

func TestDKGAndDecryption(t *testing.T) {
	for _, nk := range [][2]int{{1, 1}, {3, 2}, {5, 3}, {7, 4}} {
		p := Params{N: nk[0], K: nk[1], Context: testContext}
		t.Run(fmt.Sprintf("n=%d,k=%d", p.N, p.K), func(t *testing.T) {
			ts, b := deal(t, p)
			complain(t, ts, b)
			if len(b.Complaints) != 0 {
				t.Fatalf("honest run produced %d complaints", len(b.Complaints))
			}
			keys := finish(t, p, ts, b)

			// Y is the sum of the constant terms; x = Σ a_{i,0}.
			x := ristretto255.NewScalar()
			for _, tr := range ts {
				x.Add(x, tr.coeffs[0])
			}
			if ristretto255.NewElement().ScalarBaseMult(x).Equal(keys.Joint) != 1 {
				t.Fatalf("joint key is not Σ a_{i,0}·G")
			}
			for _, tr := range ts {
				if tr.VerificationKey().Equal(keys.Verification[tr.Index()-1]) != 1 {
					t.Errorf("trustee %d: x_j·G differs from the public X_j", tr.Index())
				}
			}

			cts := []*elgamal.Ciphertext{encrypt(0, keys.Joint), encrypt(1, keys.Joint), encrypt(1234, keys.Joint)}
			want := []*ristretto255.Element{plain(0), plain(1), plain(1234)}
			all := make([]*DecryptionShare, len(ts))
			for a, tr := range ts {
				d, err := tr.DecryptShare(cts)
				if err != nil {
					t.Fatalf("trustee %d DecryptShare: %v", tr.Index(), err)
				}
				all[a] = d
			}
			check := func(name string, shares []*DecryptionShare) {
				t.Helper()
				got, err := CombineBatch(p, keys.Verification, cts, shares)
				if err != nil {
					t.Fatalf("CombineBatch(%s): %v", name, err)
				}
				for l := range got {
					if got[l].Equal(want[l]) != 1 {
						t.Errorf("CombineBatch(%s)[%d] is not the plaintext", name, l)
					}
				}
			}
			check("all", all)
			for _, s := range subsets(p.N, p.K) {
				var shares []*DecryptionShare
				for _, j := range s {
					shares = append(shares, all[j-1])
				}
				check(fmt.Sprint(s), shares)
			}
			m, err := Combine(p, keys.Verification, cts[2], []*DecryptionShare{mustShare(t, ts[p.N-1], cts[2:])})
			if p.K == 1 {
				if err != nil || m.Equal(want[2]) != 1 {
					t.Errorf("Combine with one trustee, k=1: %v", err)
				}
			} else if !errors.Is(err, ErrTooFewShares) {
				t.Errorf("Combine with one share, k=%d: error %v; want ErrTooFewShares", p.K, err)
			}
		})
	}
}

func mustShare(t testing.TB, tr *Trustee, cts []*elgamal.Ciphertext) *DecryptionShare {
	t.Helper()
	d, err := tr.DecryptShare(cts)
	if err != nil {
		t.Fatalf("trustee %d DecryptShare: %v", tr.Index(), err)
	}
	return d
}

// replaceShare swaps dealer i's encrypted share to j on the board.
func replaceShare(b *Board, e *EncryptedShare) {
	for a, old := range b.Shares {
		if old.Dealer == e.Dealer && old.Recipient == e.Recipient {
			b.Shares[a] = e
		}
	}
}

func TestCheatingDealer(t *testing.T) {
	p := Params{N: 5, K: 3, Context: testContext}
	cheats := map[string]func(ts []*Trustee, b *Board) *EncryptedShare{
		"wrong share": func(ts []*Trustee, b *Board) *EncryptedShare {
			s := evalPoly(ts[1].coeffs, 4)
			s.Add(s, ristretto255.ScalarFromUint64(1))
			e, err := sealShare(p, 2, 4, b.Keys[3], s)
			if err != nil {
				t.Fatal(err)
			}
			return e
		},
		"garbled ciphertext": func(ts []*Trustee, b *Board) *EncryptedShare {
			e, err := sealShare(p, 2, 4, b.Keys[3], evalPoly(ts[1].coeffs, 4))
			if err != nil {
				t.Fatal(err)
			}
			e.Sealed[0] ^= 1
			return e
		},
		"share for another trustee": func(ts []*Trustee, b *Board) *EncryptedShare {
			e, err := sealShare(p, 2, 4, b.Keys[3], evalPoly(ts[1].coeffs, 5))
			if err != nil {
				t.Fatal(err)
			}
			return e
		},
	}
	for name, cheat := range cheats {
		t.Run(name, func(t *testing.T) {
			ts, b := deal(t, p)
			replaceShare(b, cheat(ts, b))
			complain(t, ts, b)
			if len(b.Complaints) != 1 || b.Complaints[0].Accuser != 4 || b.Complaints[0].Accused != 2 {
				t.Fatalf("complaints = %v; want one by 4 against 2", b.Complaints)
			}
			v, err := Judge(p, b)
			if err != nil {
				t.Fatalf("Judge: %v", err)
			}
			if v.Complaints[0].Outcome != Upheld {
				t.Errorf("complaint outcome = %v (%s); want upheld", v.Complaints[0].Outcome, v.Complaints[0].Reason)
			}
			if fmt.Sprint(v.Qualified) != "[1 3 4 5]" {
				t.Errorf("Qualified = %v; want [1 3 4 5]", v.Qualified)
			}
			keys := finish(t, p, ts, b)
			ct := encrypt(7, keys.Joint)
			shares := []*DecryptionShare{mustShare(t, ts[0], []*elgamal.Ciphertext{ct}), mustShare(t, ts[1], []*elgamal.Ciphertext{ct}), mustShare(t, ts[3], []*elgamal.Ciphertext{ct})}
			m, err := Combine(p, keys.Verification, ct, shares)
			if err != nil || m.Equal(plain(7)) != 1 {
				t.Errorf("Combine after disqualification: %v", err)
			}
		})
	}
}

// falseComplaint builds a well-formed complaint by j against i's honest share.
func falseComplaint(ts []*Trustee, b *Board, i, j int) *Complaint {
	var e *EncryptedShare
	for _, s := range b.Shares {
		if s.Dealer == i && s.Recipient == j {
			e = s
		}
	}
	tr := ts[j-1]
	z := ristretto255.NewElement().ScalarMult(tr.enc, e.R)
	proof := zkp.ProveDLEQ(complaintContext(tr.params, e), tr.enc, ristretto255.NewGeneratorElement(), e.R, b.Keys[j-1], z)
	return &Complaint{Accuser: j, Accused: i, Z: z, Proof: proof}
}

func TestFalseComplaints(t *testing.T) {
	p := Params{N: 3, K: 2, Context: testContext}
	ts, b := deal(t, p)
	complain(t, ts, b)
	honest := falseComplaint(ts, b, 2, 3)
	wrongZ := falseComplaint(ts, b, 1, 3)
	wrongZ.Z = ristretto255.NewGeneratorElement() // Z no longer e_3·R
	otherShare := falseComplaint(ts, b, 1, 3)
	otherShare.Accused = 2 // proof is bound to 1's share
	b.Complaints = append(b.Complaints, honest, wrongZ, otherShare)
	v, err := Judge(p, b)
	if err != nil {
		t.Fatalf("Judge: %v", err)
	}
	for a, r := range v.Complaints {
		if r.Outcome != Rejected {
			t.Errorf("false complaint %d: outcome %v (%s); want rejected", a, r.Outcome, r.Reason)
		}
	}
	if !strings.Contains(v.Complaints[0].Reason, "consistent") {
		t.Errorf("reason for complaint against an honest share = %q; want it to say the share is consistent", v.Complaints[0].Reason)
	}
	if fmt.Sprint(v.Qualified) != "[1 2 3]" {
		t.Errorf("Qualified = %v; want [1 2 3]", v.Qualified)
	}
	finish(t, p, ts, b)
}

func TestDisqualificationRules(t *testing.T) {
	p := Params{N: 4, K: 2, Context: testContext}
	tests := []struct {
		name   string
		tamper func(ts []*Trustee, b *Board)
		want   string
	}{
		{"missing share", func(_ []*Trustee, b *Board) {
			b.Shares = b.Shares[1:] // dealer 1 to trustee 2
		}, "[2 3 4]"},
		{"duplicate share", func(_ []*Trustee, b *Board) {
			b.Shares = append(b.Shares, b.Shares[len(b.Shares)-1]) // dealer 4 to 3
		}, "[1 2 3]"},
		{"missing commitment", func(_ []*Trustee, b *Board) {
			b.Commitments = b.Commitments[1:]
		}, "[2 3 4]"},
		{"two commitments", func(ts []*Trustee, b *Board) {
			c, _, _ := ts[2].Round1(b.Keys)
			c.Coeffs[1] = ristretto255.NewGeneratorElement()
			b.Commitments = append(b.Commitments, c)
		}, "[1 2 4]"},
		{"bad proof of knowledge", func(_ []*Trustee, b *Board) {
			c := *b.Commitments[1]
			c.Coeffs = append([]*ristretto255.Element(nil), c.Coeffs...)
			c.Coeffs[1] = ristretto255.NewGeneratorElement()
			b.Commitments[1] = &c
		}, "[1 3 4]"},
		{"proof copied from another dealer", func(_ []*Trustee, b *Board) {
			c := *b.Commitments[1]
			c.Proof = b.Commitments[0].Proof
			b.Commitments[1] = &c
		}, "[1 3 4]"},
		{"message beyond n is ignored", func(_ []*Trustee, b *Board) {
			c := *b.Commitments[0]
			c.Dealer = 9
			b.Commitments = append(b.Commitments, &c)
		}, "[1 2 3 4]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts, b := deal(t, p)
			tt.tamper(ts, b)
			complain(t, ts, b)
			v, err := Judge(p, b)
			if err != nil {
				t.Fatalf("Judge: %v", err)
			}
			if got := fmt.Sprint(v.Qualified); got != tt.want {
				t.Errorf("Qualified = %s; want %s (reasons %v)", got, tt.want, v.Disqualified)
			}
			finish(t, p, ts, b)
		})
	}
}

func TestTooFewQualified(t *testing.T) {
	p := Params{N: 3, K: 2, Context: testContext}
	ts, b := deal(t, p)
	b.Commitments = b.Commitments[:1]
	complain(t, ts, b)
	q, err := Qualified(p, b)
	if !errors.Is(err, ErrTooFewQualified) {
		t.Errorf("Qualified with one dealer, k=2 = %v, %v; want ErrTooFewQualified", q, err)
	}
	if err := ts[0].Finish(b); !errors.Is(err, ErrTooFewQualified) {
		t.Errorf("Finish = %v; want ErrTooFewQualified", err)
	}
}

func TestBadDecryptionShares(t *testing.T) {
	p := Params{N: 5, K: 3, Context: testContext}
	ts, b := deal(t, p)
	complain(t, ts, b)
	keys := finish(t, p, ts, b)
	cts := []*elgamal.Ciphertext{encrypt(1, keys.Joint), encrypt(0, keys.Joint)}
	other := []*elgamal.Ciphertext{encrypt(1, keys.Joint), encrypt(0, keys.Joint)}
	shares := func() []*DecryptionShare {
		var out []*DecryptionShare
		for _, tr := range ts[:4] {
			out = append(out, mustShare(t, tr, cts))
		}
		return out
	}

	t.Run("altered D", func(t *testing.T) {
		s := shares()
		s[2].D[1] = ristretto255.NewElement().Add(s[2].D[1], ristretto255.NewGeneratorElement())
		wantBad(t, p, keys, cts, s, 3)
	})
	t.Run("proof for another ciphertext", func(t *testing.T) {
		s := shares()
		s[1] = mustShare(t, ts[1], other)
		wantBad(t, p, keys, cts, s, 2)
	})
	t.Run("share of another trustee relabelled", func(t *testing.T) {
		s := shares()
		s[0] = mustShare(t, ts[4], cts)
		s[0].Trustee = 1
		wantBad(t, p, keys, cts, s, 1)
	})
	t.Run("two bad shares", func(t *testing.T) {
		s := shares()
		s[0].D[0], s[3].D[0] = s[3].D[0], s[0].D[0]
		_, err := CombineBatch(p, keys.Verification, cts, s)
		if err == nil || !strings.Contains(err.Error(), "trustee 1") || !strings.Contains(err.Error(), "trustee 4") {
			t.Errorf("CombineBatch with bad shares 1 and 4 = %v; want both named", err)
		}
	})
	t.Run("wrong count", func(t *testing.T) {
		s := shares()
		s[3] = mustShare(t, ts[3], cts[:1])
		wantBad(t, p, keys, cts, s, 4)
	})
	t.Run("duplicate", func(t *testing.T) {
		s := shares()
		s = append(s, s[0])
		_, err := CombineBatch(p, keys.Verification, cts, s)
		var se *ShareError
		if !errors.As(err, &se) || se.Trustee != 1 {
			t.Errorf("CombineBatch with a duplicate = %v; want ShareError for trustee 1", err)
		}
	})
	t.Run("too few", func(t *testing.T) {
		_, err := CombineBatch(p, keys.Verification, cts, shares()[:2])
		if !errors.Is(err, ErrTooFewShares) || !strings.Contains(err.Error(), "2 valid shares, 3 needed") {
			t.Errorf("CombineBatch with 2 shares, k=3 = %v; want ErrTooFewShares saying 2 of 3", err)
		}
	})
	t.Run("verify", func(t *testing.T) {
		s := shares()
		if err := s[0].Verify(p, keys.Verification[0], cts); err != nil {
			t.Errorf("Verify(good share) = %v", err)
		}
		if err := s[0].Verify(p, keys.Verification[1], cts); err == nil {
			t.Errorf("Verify(share of 1 with key of 2) = nil; want an error")
		}
	})
	t.Run("not finished", func(t *testing.T) {
		tr, err := NewTrustee(p, 1)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tr.DecryptShare(cts); !errors.Is(err, ErrNotFinished) {
			t.Errorf("DecryptShare before Finish = %v; want ErrNotFinished", err)
		}
	})
}

func wantBad(t *testing.T, p Params, keys *Keys, cts []*elgamal.Ciphertext, s []*DecryptionShare, bad int) {
	t.Helper()
	_, err := CombineBatch(p, keys.Verification, cts, s)
	var se *ShareError
	if !errors.As(err, &se) || se.Trustee != bad {
		t.Errorf("CombineBatch = %v; want ShareError naming trustee %d", err, bad)
	}
}

func TestParamsCheck(t *testing.T) {
	bad := []Params{{N: 0, K: 0}, {N: 3, K: 0}, {N: 3, K: 4}, {N: 256, K: 2}, {N: 2, K: 1, Context: make([]byte, MaxContext+1)}}
	for _, p := range bad {
		if err := p.Check(); err == nil {
			t.Errorf("Params{N: %d, K: %d, %d-byte context}.Check() = nil; want an error", p.N, p.K, len(p.Context))
		}
		if _, err := NewTrustee(p, 1); err == nil {
			t.Errorf("NewTrustee(N: %d, K: %d) = nil error; want one", p.N, p.K)
		}
	}
	p := Params{N: 3, K: 2}
	if _, err := NewTrustee(p, 4); err == nil {
		t.Errorf("NewTrustee(n=3, index 4) = nil error; want one")
	}
	ts, b := deal(t, p)
	dup := []*ristretto255.Element{b.Keys[0], b.Keys[0], b.Keys[2]}
	if _, _, err := ts[2].Round1(dup); err == nil {
		t.Errorf("Round1 with duplicate encryption keys = nil error; want one")
	}
	if _, _, err := ts[2].Round1([]*ristretto255.Element{b.Keys[0], b.Keys[2], b.Keys[1]}); err == nil {
		t.Errorf("Round1 with another's key in our slot = nil error; want one")
	}
	if _, err := Judge(p, &Board{Keys: b.Keys[:2]}); err == nil {
		t.Errorf("Judge with 2 keys for 3 trustees = nil error; want one")
	}
}

func TestLagrange(t *testing.T) {
	// Σ λ_{S,j}·f(j) = f(0) for f(x) = 5 + 3x + 2x².
	f := []*ristretto255.Scalar{ristretto255.ScalarFromUint64(5), ristretto255.ScalarFromUint64(3), ristretto255.ScalarFromUint64(2)}
	for _, s := range [][]int{{1, 2, 3}, {2, 5, 7}, {1, 2, 3, 4}, {255, 254, 1}} {
		l := lagrange(s)
		sum := ristretto255.NewScalar()
		for a, j := range s {
			sum.MultiplyAdd(l[a], evalPoly(f, j), sum)
		}
		if sum.Equal(f[0]) != 1 {
			t.Errorf("Σ λ f(j) over %v ≠ f(0)", s)
		}
	}
}

func TestUnpostedComplaint(t *testing.T) {
	// Dealer 2 cheats trustee 3, but 3's complaint never reaches the
	// record: 2 stays qualified and 3 cannot finish; the others can.
	p := Params{N: 3, K: 2, Context: testContext}
	ts, b := deal(t, p)
	bad, err := sealShare(p, 2, 3, b.Keys[2], ristretto255.ScalarFromUint64(42))
	if err != nil {
		t.Fatal(err)
	}
	replaceShare(b, bad)
	for _, tr := range ts {
		if _, err := tr.Receive(b); err != nil {
			t.Fatal(err)
		}
	}
	if err := ts[2].Finish(b); err == nil || !strings.Contains(err.Error(), "dealer 2 is qualified but trustee 3 holds no good share") {
		t.Errorf("Finish of the cheated trustee = %v; want it to name dealer 2", err)
	}
	for _, tr := range ts[:2] {
		if err := tr.Finish(b); err != nil {
			t.Errorf("trustee %d Finish = %v", tr.Index(), err)
		}
	}
}

func TestComplaintOutcomes(t *testing.T) {
	p := Params{N: 3, K: 2, Context: testContext}
	ts, b := deal(t, p)
	// Dealer 1 encrypts to trustee 2 a 32-byte value that is not a
	// canonical scalar.
	e := &EncryptedShare{Dealer: 1, Recipient: 2, R: ristretto255.NewGeneratorElement()}
	aead, err := shareAEAD(p, e, b.Keys[1], ristretto255.NewElement().ScalarMult(ts[1].enc, e.R))
	if err != nil {
		t.Fatal(err)
	}
	aead.Seal(e.Sealed[:0], make([]byte, 12), bytes.Repeat([]byte{0xff}, 32), e.header())
	replaceShare(b, e)
	// Dealer 3 posts two shares to trustee 1: disqualified, and 1 does not
	// complain about either.
	b.Shares = append(b.Shares, b.Shares[len(b.Shares)-2])
	complain(t, ts, b)
	// A complaint naming one trustee as both accuser and accused.
	self := falseComplaint(ts, b, 3, 2)
	self.Accuser, self.Accused = 1, 1
	b.Complaints = append(b.Complaints, self)
	v, err := Judge(p, b)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range v.Complaints {
		got = append(got, r.Outcome.String()+": "+r.Reason)
	}
	want := []string{"upheld: encrypted share holds a non-canonical scalar"}
	if len(got) != 2 || got[0] != want[0] || !strings.HasPrefix(got[1], "rejected") {
		t.Errorf("outcomes = %q; want %q then a rejection", got, want)
	}
	if fmt.Sprint(v.Qualified) != "[2]" {
		t.Errorf("Qualified = %v; want [2] (1 upheld, 3 duplicated)", v.Qualified)
	}
	moot := falseComplaint(ts, b, 1, 2) // dealer 1 is disqualified by its share to 2
	b.Complaints = []*Complaint{moot}
	b.Shares = append(b.Shares, e) // now two shares from 1 to 2
	if v, _ := Judge(p, b); v.Complaints[0].Outcome != Moot {
		t.Errorf("complaint about a duplicated share: outcome %v; want moot", v.Complaints[0].Outcome)
	}
}

func TestPublicKeyHelpers(t *testing.T) {
	p := Params{N: 3, K: 2, Context: testContext}
	ts, b := deal(t, p)
	complain(t, ts, b)
	keys := finish(t, p, ts, b)
	y, err := JointKey(p, b.Commitments, []int{1, 2, 3})
	if err != nil || y.Equal(keys.Joint) != 1 {
		t.Errorf("JointKey = %v; want the joint key", err)
	}
	x, err := VerificationKey(p, b.Commitments, []int{1, 2, 3}, 2)
	if err != nil || x.Equal(ts[1].VerificationKey()) != 1 {
		t.Errorf("VerificationKey(2) = %v; want x_2·G", err)
	}
	for _, q := range [][]int{nil, {1, 1}, {4}} {
		if _, err := PublicKeys(p, b.Commitments, q); err == nil {
			t.Errorf("PublicKeys(qualified %v) = nil error; want one", q)
		}
	}
	if _, err := VerificationKey(p, b.Commitments, []int{1}, 4); err == nil {
		t.Errorf("VerificationKey(4 of 3) = nil error; want one")
	}
	for _, cts := range [][]*elgamal.Ciphertext{nil, {nil}, {{A: keys.Joint}}} {
		if _, err := ts[0].DecryptShare(cts); err == nil {
			t.Errorf("DecryptShare(%v) = nil error; want one", cts)
		}
	}
}

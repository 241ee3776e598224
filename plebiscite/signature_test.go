package plebiscite

import (
	"crypto/ed25519"
	"errors"
	"slices"
	"testing"

	"concord/internal/ed25519test"
)

// TestBallotSignatureRule checks SPEC §14.4's cofactored rule on ballots
// through every verification path: single (VerifyBallot), batched
// (VerifyBallots) and the streamed record verifier. A signature whose R
// has a torsion component made by the credential's holder is valid (where
// crypto/ed25519 would refuse it); the same torsion added by anyone else
// to a valid signature is not, nor is S + l.
func TestBallotSignatureRule(t *testing.T) {
	p := sharedPlebiscite(t)
	v := p.voters[3]
	b, _, err := v.Cast(p.e, []int{1})
	if err != nil {
		t.Fatal(err)
	}
	raw := b.Bytes()
	body := raw[:len(raw)-SignatureSize]
	withSig := func(sig []byte) []byte { return slices.Concat(body, sig) }
	orig := raw[len(body):]
	mauled := slices.Concat(ed25519test.PlusOrder8(orig[:32]), orig[32:])
	sPlusL := slices.Clone(orig)
	ed25519test.AddOrder(sPlusL[32:])
	torsion := ed25519test.TorsionSignature(v.priv.Seed(), signedMessage(body))
	if ed25519.Verify(v.priv.Public().(ed25519.PublicKey), signedMessage(body), torsion) {
		t.Fatal("crypto/ed25519 accepts the torsion signature; the test needs one it refuses")
	}
	for _, tc := range []struct {
		name  string
		leaf  []byte
		valid bool
	}{
		{"signed by the voter", raw, true},
		{"R with torsion, by the voter", withSig(torsion), true},
		{"R with torsion added by another", withSig(mauled), false},
		{"S + l", withSig(sPlusL), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bl, err := ParseBallot(tc.leaf)
			if err != nil {
				t.Fatal(err)
			}
			single := p.e.VerifyBallot(bl)
			batched := p.e.VerifyBallots([]*Ballot{bl})[0]
			for name, err := range map[string]error{"VerifyBallot": single, "VerifyBallots": batched} {
				if tc.valid && err != nil || !tc.valid && !errors.Is(err, ErrBadSignature) {
					t.Errorf("%s = %v; want valid %v", name, err, tc.valid)
				}
			}
			leaves := slices.Clone(p.record.Leaves)
			leaves = append(leaves, tc.leaf)
			bad, _ := oneByOne(p.e, leaves)
			if got := bad[len(leaves)-1] == nil; got != tc.valid {
				t.Errorf("reference verifier: valid %v; want %v", got, tc.valid)
			}
			r := p.record
			_, _, err = VerifyPollStream(&StreamRecord{Manifest: r.Manifest, Roll: r.Roll, Leaves: sliceLeaves(leaves), Board: r.Board, Chunk: 64})
			var le *LeafError
			switch {
			case tc.valid && err != nil:
				t.Errorf("VerifyPollStream = %v; want nil", err)
			case !tc.valid && (!errors.As(err, &le) || le.Index != len(leaves)-1 || !errors.Is(err, ErrBadSignature)):
				t.Errorf("VerifyPollStream = %v; want a bad signature at leaf %d", err, len(leaves)-1)
			}
		})
	}
}

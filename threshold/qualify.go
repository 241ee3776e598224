package threshold

import (
	"fmt"

	"concord/ristretto255"
)

// Outcome is the decision on one complaint (SPEC §12.6).
type Outcome int

const (
	// Rejected: the complaint is malformed, its proof fails, or the share
	// it accuses is good. It affects no one's qualification.
	Rejected Outcome = iota
	// Upheld: the accused dealer's share does not open or is inconsistent;
	// the dealer is disqualified.
	Upheld
	// Moot: the accused dealer is disqualified by another rule anyway.
	Moot
)

func (o Outcome) String() string {
	switch o {
	case Rejected:
		return "rejected"
	case Upheld:
		return "upheld"
	case Moot:
		return "moot"
	}
	return fmt.Sprintf("Outcome(%d)", int(o))
}

// ComplaintResult is the decision on one complaint and why.
type ComplaintResult struct {
	Outcome Outcome
	Reason  string
}

// Verdict is the outcome of qualification (SPEC §12.7).
type Verdict struct {
	Qualified    []int             // Q, in increasing order
	Disqualified map[int]string    // dealer → reason
	Complaints   []ComplaintResult // Complaints[c] decides Board.Complaints[c]
	Ignored      []string          // messages naming a trustee beyond n
}

// uniqueCommitments returns, for each dealer 1 … n with exactly one
// commitment on the board, that commitment (SPEC §12.7 rule 1).
func uniqueCommitments(p Params, list []*Commitment) map[int]*Commitment {
	out := make(map[int]*Commitment)
	count := make(map[int]int)
	for _, c := range list {
		if c != nil && c.Dealer >= 1 && c.Dealer <= p.N {
			count[c.Dealer]++
			out[c.Dealer] = c
		}
	}
	for i, n := range count {
		if n != 1 {
			delete(out, i)
		}
	}
	return out
}

// uniqueShares returns, for each pair (i, j) with exactly one encrypted share
// from i to j on the board, that share (SPEC §12.7 rule 3).
func uniqueShares(p Params, list []*EncryptedShare) map[[2]int]*EncryptedShare {
	out := make(map[[2]int]*EncryptedShare)
	count := make(map[[2]int]int)
	for _, e := range list {
		if e != nil && e.Dealer >= 1 && e.Dealer <= p.N && e.Recipient >= 1 && e.Recipient <= p.N {
			k := [2]int{e.Dealer, e.Recipient}
			count[k]++
			out[k] = e
		}
	}
	for k, n := range count {
		if n != 1 {
			delete(out, k)
		}
	}
	return out
}

// Judge applies the qualification rule of SPEC §12.7 to the board. It is a
// pure function of the board; it fails only on invalid parameters, invalid
// encryption keys or nil messages.
func Judge(p Params, b *Board) (*Verdict, error) {
	if err := p.Check(); err != nil {
		return nil, err
	}
	if err := checkKeys(p, b.Keys); err != nil {
		return nil, err
	}
	v := &Verdict{Disqualified: make(map[int]string)}
	if err := v.noteIgnored(p, b); err != nil {
		return nil, err
	}
	commits := uniqueCommitments(p, b.Commitments)
	shares := uniqueShares(p, b.Shares)
	for i := 1; i <= p.N; i++ {
		c := commits[i]
		if c == nil {
			v.Disqualified[i] = "no commitment, or more than one"
			continue
		}
		if err := c.Verify(p); err != nil {
			v.Disqualified[i] = err.Error()
			continue
		}
		for j := 1; j <= p.N; j++ {
			if j != i && shares[[2]int{i, j}] == nil {
				v.Disqualified[i] = fmt.Sprintf("no encrypted share to trustee %d, or more than one", j)
				break
			}
		}
	}
	for _, c := range b.Complaints {
		r := decideComplaint(p, b.Keys, commits, shares, v.Disqualified, c)
		v.Complaints = append(v.Complaints, r)
		if r.Outcome == Upheld {
			v.Disqualified[c.Accused] = fmt.Sprintf("complaint by trustee %d upheld: %s", c.Accuser, r.Reason)
		}
	}
	for i := 1; i <= p.N; i++ {
		if _, ok := v.Disqualified[i]; !ok {
			v.Qualified = append(v.Qualified, i)
		}
	}
	return v, nil
}

func (v *Verdict) noteIgnored(p Params, b *Board) error {
	for _, c := range b.Commitments {
		if c == nil {
			return fmt.Errorf("threshold: nil commitment on the board")
		}
		if c.Dealer > p.N {
			v.Ignored = append(v.Ignored, fmt.Sprintf("commitment from dealer %d of %d", c.Dealer, p.N))
		}
	}
	for _, e := range b.Shares {
		if e == nil {
			return fmt.Errorf("threshold: nil encrypted share on the board")
		}
		if e.Dealer > p.N || e.Recipient > p.N {
			v.Ignored = append(v.Ignored, fmt.Sprintf("encrypted share from %d to %d of %d", e.Dealer, e.Recipient, p.N))
		}
	}
	for _, c := range b.Complaints {
		if c == nil {
			return fmt.Errorf("threshold: nil complaint on the board")
		}
	}
	return nil
}

// decideComplaint implements the steps of SPEC §12.6.
func decideComplaint(p Params, keys []*ristretto255.Element, commits map[int]*Commitment,
	shares map[[2]int]*EncryptedShare, disq map[int]string, c *Complaint) ComplaintResult {
	i, j := c.Accused, c.Accuser
	if i < 1 || j < 1 || i > p.N || j > p.N || i == j {
		return ComplaintResult{Rejected, fmt.Sprintf("trustee indices %d and %d out of range", j, i)}
	}
	e := shares[[2]int{i, j}]
	if e == nil {
		return ComplaintResult{Moot, fmt.Sprintf("no single encrypted share from %d to %d", i, j)}
	}
	g := ristretto255.NewGeneratorElement()
	if err := c.Proof.Verify(complaintContext(p, e), g, e.R, keys[j-1], c.Z); err != nil {
		return ComplaintResult{Rejected, "revealed key does not match the accuser's encryption key: " + err.Error()}
	}
	ci := commits[i]
	if ci == nil || ci.Verify(p) != nil {
		return ComplaintResult{Moot, fmt.Sprintf("dealer %d has no valid commitment", i)}
	}
	s, err := e.open(p, keys[j-1], c.Z)
	if err != nil {
		return ComplaintResult{Upheld, err.Error()}
	}
	if !ci.consistent(s, j) {
		return ComplaintResult{Upheld, "share is not consistent with the dealer's commitment"}
	}
	return ComplaintResult{Rejected, "share is consistent with the dealer's commitment"}
}

// Qualified returns the qualified dealers Q in increasing order (SPEC
// §12.7). If fewer than k are qualified it returns them with an error
// wrapping ErrTooFewQualified.
func Qualified(p Params, b *Board) ([]int, error) {
	v, err := Judge(p, b)
	if err != nil {
		return nil, err
	}
	if len(v.Qualified) < p.K {
		return v.Qualified, fmt.Errorf("threshold: %d of %d dealers qualified, threshold %d: %w; restart key generation",
			len(v.Qualified), p.N, p.K, ErrTooFewQualified)
	}
	return v.Qualified, nil
}

// Keys are the public keys resulting from key generation (SPEC §12.8).
type Keys struct {
	Joint        *ristretto255.Element   // Y
	Verification []*ristretto255.Element // Verification[j-1] = X_j
}

// PublicKeys computes the joint key and every verification key from the
// commitments of the qualified dealers (SPEC §12.8).
func PublicKeys(p Params, commitments []*Commitment, qualified []int) (*Keys, error) {
	if err := p.Check(); err != nil {
		return nil, err
	}
	agg, err := aggregate(p, commitments, qualified)
	if err != nil {
		return nil, err
	}
	k := &Keys{Joint: agg[0], Verification: make([]*ristretto255.Element, p.N)}
	for j := 1; j <= p.N; j++ {
		k.Verification[j-1] = ristretto255.NewElement().VarTimeMultiScalarMult(powers(j, p.K), agg)
	}
	return k, nil
}

// JointKey returns Y = Σ_{i∈Q} C_{i,0} (SPEC §12.8).
func JointKey(p Params, commitments []*Commitment, qualified []int) (*ristretto255.Element, error) {
	agg, err := aggregate(p, commitments, qualified)
	if err != nil {
		return nil, err
	}
	return agg[0], nil
}

// VerificationKey returns X_j = Σ_{i∈Q} Σ_m j^m·C_{i,m} (SPEC §12.8).
func VerificationKey(p Params, commitments []*Commitment, qualified []int, j int) (*ristretto255.Element, error) {
	if j < 1 || j > p.N {
		return nil, fmt.Errorf("threshold: trustee index %d; want 1 to %d", j, p.N)
	}
	agg, err := aggregate(p, commitments, qualified)
	if err != nil {
		return nil, err
	}
	return ristretto255.NewElement().VarTimeMultiScalarMult(powers(j, p.K), agg), nil
}

// aggregate returns Σ_{i∈Q} C_{i,m} for m = 0 … k−1.
func aggregate(p Params, commitments []*Commitment, qualified []int) ([]*ristretto255.Element, error) {
	if len(qualified) == 0 {
		return nil, fmt.Errorf("threshold: no qualified dealers")
	}
	commits := uniqueCommitments(p, commitments)
	agg := make([]*ristretto255.Element, p.K)
	for m := range agg {
		agg[m] = ristretto255.NewElement()
	}
	seen := make(map[int]bool)
	for _, i := range qualified {
		c := commits[i]
		if c == nil || seen[i] {
			return nil, fmt.Errorf("threshold: qualified dealer %d has no single commitment or is listed twice", i)
		}
		seen[i] = true
		if len(c.Coeffs) != p.K {
			return nil, fmt.Errorf("threshold: commitment of dealer %d has %d coefficients; want %d", i, len(c.Coeffs), p.K)
		}
		for m := range agg {
			agg[m].Add(agg[m], c.Coeffs[m])
		}
	}
	return agg, nil
}

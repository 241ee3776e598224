package threshold

import (
	"fmt"
	"math/bits"
	"slices"
	"strings"
)

// MaxCamps is the largest number of camps Coalitions analyses (SPEC §12.11).
const MaxCamps = 16

// CampPower is what one camp can do alone (SPEC §12.11).
type CampPower struct {
	Camp       string
	Holds      int // trustees in the camp
	CanDecrypt bool
	CanBlock   bool
}

// Report is the coalition analysis of a trustee policy (SPEC §12.11).
type Report struct {
	N, K         int
	DecryptNeeds int         // k
	BlockNeeds   int         // n − k + 1
	Camps        []CampPower // in lexicographic order of camp
	// Decrypting and Blocking are the minimal coalitions of two or more
	// camps that can decrypt, and block, together: no proper subset can.
	// Each coalition is in lexicographic order; the lists are ordered by
	// size, then lexicographically.
	Decrypting [][]string
	Blocking   [][]string
}

// Coalitions analyses which camps of trustees can decrypt a tally alone or
// together, and which can block it by withholding their shares (SPEC
// §12.11). camps maps each trustee index 1 … n to its camp.
func Coalitions(camps map[int]string, k int) (*Report, error) {
	n := len(camps)
	if n < 1 || n > MaxTrustees {
		return nil, fmt.Errorf("threshold: %d trustees; want 1 to %d", n, MaxTrustees)
	}
	if k < 1 || k > n {
		return nil, fmt.Errorf("threshold: threshold %d with %d trustees; want 1 to %d", k, n, n)
	}
	holds := make(map[string]int)
	for j := 1; j <= n; j++ {
		c, ok := camps[j]
		if !ok {
			return nil, fmt.Errorf("threshold: trustee %d has no camp; number trustees 1 to %d", j, n)
		}
		if c == "" {
			return nil, fmt.Errorf("threshold: trustee %d has an empty camp name", j)
		}
		holds[c]++
	}
	names := make([]string, 0, len(holds))
	for c := range holds {
		names = append(names, c)
	}
	slices.Sort(names)
	if len(names) > MaxCamps {
		return nil, fmt.Errorf("threshold: %d camps; at most %d can be analysed", len(names), MaxCamps)
	}
	r := &Report{N: n, K: k, DecryptNeeds: k, BlockNeeds: n - k + 1}
	for _, c := range names {
		h := holds[c]
		r.Camps = append(r.Camps, CampPower{Camp: c, Holds: h, CanDecrypt: h >= r.DecryptNeeds, CanBlock: h >= r.BlockNeeds})
	}
	sum := func(set uint) int {
		t := 0
		for a := range names {
			if set&(1<<a) != 0 {
				t += holds[names[a]]
			}
		}
		return t
	}
	r.Decrypting = minimal(names, sum, r.DecryptNeeds)
	r.Blocking = minimal(names, sum, r.BlockNeeds)
	return r, nil
}

// minimal returns the minimal sets of two or more camps holding at least
// need trustees.
func minimal(names []string, sum func(uint) int, need int) [][]string {
	var out [][]string
	for set := uint(1); set < 1<<len(names); set++ {
		if bits.OnesCount(set) < 2 || sum(set) < need {
			continue
		}
		isMin := true
		for a := range names {
			if set&(1<<a) != 0 && sum(set&^(1<<a)) >= need {
				isMin = false
				break
			}
		}
		if !isMin {
			continue
		}
		var c []string
		for a := range names {
			if set&(1<<a) != 0 {
				c = append(c, names[a])
			}
		}
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b []string) int {
		if len(a) != len(b) {
			return len(a) - len(b)
		}
		return slices.Compare(a, b)
	})
	return out
}

// String renders the report, one fact a line (SPEC §12.11).
func (r *Report) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d trustees, threshold %d: decrypting needs %d, blocking needs %d\n", r.N, r.K, r.DecryptNeeds, r.BlockNeeds)
	yes := func(ok bool) string {
		if ok {
			return "yes"
		}
		return "no"
	}
	for _, c := range r.Camps {
		fmt.Fprintf(&b, "%s alone can decrypt: %s (holds %d of %d, decrypting needs %d)\n", c.Camp, yes(c.CanDecrypt), c.Holds, r.N, r.DecryptNeeds)
		fmt.Fprintf(&b, "%s alone can block: %s (holds %d of %d, blocking needs %d)\n", c.Camp, yes(c.CanBlock), c.Holds, r.N, r.BlockNeeds)
	}
	holds := make(map[string]int)
	for _, c := range r.Camps {
		holds[c.Camp] = c.Holds
	}
	total := func(set []string) int {
		t := 0
		for _, c := range set {
			t += holds[c]
		}
		return t
	}
	for _, set := range r.Decrypting {
		fmt.Fprintf(&b, "%s can decrypt (hold %d of %d)\n", strings.Join(set, "+"), total(set), r.N)
	}
	for _, set := range r.Blocking {
		fmt.Fprintf(&b, "%s can block (hold %d of %d)\n", strings.Join(set, "+"), total(set), r.N)
	}
	return b.String()
}

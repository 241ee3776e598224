package elgamal

import (
	"errors"
	"fmt"
	"sync"

	"concord/ristretto255"
)

// ErrDLogNotFound is returned (wrapped) when a discrete logarithm is not in
// the searched range.
var ErrDLogNotFound = errors.New("elgamal: plaintext not in the searched range")

func dlogNotFound(max uint64) error {
	return fmt.Errorf("%w [0, %d]: the ciphertext does not decrypt to a small value (wrong key or tampered ciphertext?)", ErrDLogNotFound, max)
}

// DLogTable finds m in [0, Max()] from m*G with the baby-step giant-step
// algorithm of SPEC §10.5. Build it once with [NewDLogTable]; it is safe for
// concurrent use.
type DLogTable struct {
	max   uint64
	n     uint64                // number of baby steps
	baby  map[[32]byte]uint64   // encoding of j*G -> j, for j in [0, n)
	giant *ristretto255.Element // -n*G
}

// MaxDLog is the largest max accepted by [NewDLogTable], [VarTimeDLog] and
// [Decrypt] (the table then has 2^20 entries).
const MaxDLog = 1 << 40

// NewDLogTable builds a table for discrete logarithms in [0, max], with
// n = ceil(sqrt(max+1)) baby steps (about 1,733 entries and a few
// milliseconds for max = 3,000,000). It panics if max > MaxDLog.
func NewDLogTable(max uint64) *DLogTable {
	if max > MaxDLog {
		panic("elgamal: NewDLogTable: max is larger than MaxDLog")
	}
	n := uint64(1)
	for n*n < max+1 {
		n++
	}
	t := &DLogTable{max: max, n: n, baby: make(map[[32]byte]uint64, n)}
	g := ristretto255.NewGeneratorElement()
	p := ristretto255.NewElement()
	for j := range n {
		t.baby[[32]byte(p.Bytes())] = j
		p.Add(p, g)
	}
	// p = n*G now.
	t.giant = ristretto255.NewElement().Negate(p)
	return t
}

// Max returns the largest value the table can find.
func (t *DLogTable) Max() uint64 { return t.max }

// VarTimeDLog returns m in [0, t.Max()] such that M = m*G, or an error
// wrapping [ErrDLogNotFound]. Its running time depends on m.
func (t *DLogTable) VarTimeDLog(M *ristretto255.Element) (uint64, error) {
	p := ristretto255.NewElement().Set(M)
	var buf [32]byte
	for i := uint64(0); i*t.n <= t.max; i++ {
		if j, ok := t.baby[[32]byte(p.AppendBytes(buf[:0]))]; ok {
			m := i*t.n + j
			if m > t.max {
				break
			}
			return m, nil
		}
		p.Add(p, t.giant)
	}
	return 0, dlogNotFound(t.max)
}

// VarTimeDLog returns m in [0, max] such that M = m*G, or an error wrapping
// [ErrDLogNotFound], using a table shared with [Decrypt] (built on first
// use, and rebuilt larger if max exceeds it). Use it after a threshold
// decryption has produced M. Its running time depends on m.
func VarTimeDLog(M *ristretto255.Element, max uint64) (uint64, error) {
	if max > MaxDLog {
		return 0, fmt.Errorf("elgamal: discrete logarithm range [0, %d] is too large (at most MaxDLog = 2^40)", max)
	}
	m, err := sharedTable(max).VarTimeDLog(M)
	if err != nil {
		return 0, err
	}
	if m > max {
		return 0, dlogNotFound(max)
	}
	return m, nil
}

// DefaultDLogMax is the smallest range of the table shared by [Decrypt]: a
// plebiscite of 3,000,000 voters.
const DefaultDLogMax = 3_000_000

var shared struct {
	sync.Mutex
	t *DLogTable
}

// sharedTable returns a table covering at least [0, max], building or
// growing the shared one if needed.
func sharedTable(max uint64) *DLogTable {
	shared.Lock()
	defer shared.Unlock()
	if shared.t == nil || shared.t.max < max {
		shared.t = NewDLogTable(maxOf(max, DefaultDLogMax))
	}
	return shared.t
}

func maxOf(a, b uint64) uint64 {
	if a > b {
		return a
	}
	return b
}

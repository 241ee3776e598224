package plebiscite

import (
	"errors"
	"fmt"

	"concord/zkp"
)

// VerifyBallots checks ballots as VerifyBallot does (SPEC §14.6 steps 2 to
// 7), with the proofs of all of them in two batches (SPEC §11.7): one for
// every bit proof, one for every range proof. errs[i] is VerifyBallot's
// verdict on bs[i] (the same error class; for a bit proof, the first bad
// option). The election must have a roll.
func (e *Election) VerifyBallots(bs []*Ballot) (errs []error) {
	errs = make([]error, len(bs))
	var bits []zkp.BitStatement
	var bitOwner [][2]int
	var ranges []zkp.RangeStatement
	var rangeOwner []int
	mn, mx := uint64(e.Manifest.Min), uint64(e.Manifest.Max)
	for i, b := range bs {
		if errs[i] = e.checkHeader(b); errs[i] != nil {
			continue
		}
		for j, o := range b.Options {
			bits = append(bits, zkp.BitStatement{Ctx: bitContext(e.Hash, b.Credential, j), Ciphertext: o.Ct, Proof: o.Proof})
			bitOwner = append(bitOwner, [2]int{i, j})
		}
		ranges = append(ranges, zkp.RangeStatement{Ctx: rangeContext(e.Hash, b.Credential), Ciphertext: b.sum(), Min: mn, Max: mx, Proof: b.Range})
		rangeOwner = append(rangeOwner, i)
	}
	var be *zkp.BatchError
	if err := zkp.VerifyBitBatchVarTime(e.Key, bits); errors.As(err, &be) {
		for _, k := range be.Bad {
			if i, j := bitOwner[k][0], bitOwner[k][1]; errs[i] == nil {
				errs[i] = &ProofError{Option: j, Err: zkp.ErrInvalidProof}
			}
		}
	} else if err != nil {
		for _, o := range bitOwner {
			errs[o[0]] = &ProofError{Option: o[1], Err: err}
		}
	}
	if err := zkp.VerifyRangeBatchVarTime(e.Key, ranges); errors.As(err, &be) {
		for _, k := range be.Bad {
			if i := rangeOwner[k]; errs[i] == nil {
				errs[i] = fmt.Errorf("%w: %v", ErrRangeProof, zkp.ErrInvalidProof)
			}
		}
	} else if err != nil {
		for _, i := range rangeOwner {
			if errs[i] == nil {
				errs[i] = fmt.Errorf("%w: %v", ErrRangeProof, err)
			}
		}
	}
	return errs
}

package plebiscite

// VerifyBallots checks ballots as VerifyBallot does (SPEC §14.6 steps 2 to
// 7), with the proofs of all of them in one batch (SPEC §11.7.1). errs[i]
// is VerifyBallot's verdict on bs[i] (the same error class; for a bit
// proof, the first bad option). The election must have a roll.
func (e *Election) VerifyBallots(bs []*Ballot) (errs []error) {
	errs = make([]error, len(bs))
	checked := make([]*Ballot, len(bs))
	for i, b := range bs {
		if errs[i] = e.checkHeader(b); errs[i] == nil {
			checked[i] = b
		}
	}
	e.verifyProofs(checked, errs)
	return errs
}

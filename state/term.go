package state

import "concord/calendar"

// maxRenewalDoublings bounds the search for the current term of a renewing
// instrument: 2^40 terms is beyond any representable date.
const maxRenewalDoublings = 40

// naturalEnd returns E0 = EIF + D for an instrument with a duration and no
// renewal, and nil otherwise (SPEC §7.4, step 1). in.eif must be set.
func (in *instrument) naturalEnd() *calendar.Date {
	if in.p.Duration == nil || in.renews() {
		return nil
	}
	e0 := in.eif.Add(*in.p.Duration)
	return &e0
}

// renews reports whether the instrument has a fixed term that renews
// tacitly by a non-zero period.
func (in *instrument) renews() bool {
	return in.p.Duration != nil && in.p.Renewal != nil && *in.p.Renewal != (calendar.Duration{})
}

// finalEnd returns END of SPEC §7.4, step 3, as known so far in the fold,
// and whether the denunciation is what ends it. in.eif must be set.
func (in *instrument) finalEnd() (end *calendar.Date, denounced bool) {
	e0 := in.naturalEnd()
	if in.denounced != nil {
		dd := in.denounced.Effect
		if e0 == nil || !e0.Before(dd) {
			return &dd, true
		}
	}
	return e0, false
}

// inForce reports whether the instrument is in force on d, as known so far
// in the fold.
func (in *instrument) inForce(d calendar.Date) bool {
	if in.rejection != nil || in.eif == nil || d.Before(*in.eif) {
		return false
	}
	end, _ := in.finalEnd()
	return end == nil || d.Before(*end)
}

// firstTerm returns, for a renewing instrument, the end of the k-th term
// Ek = EIF + (D + k·R) for the least k >= 0 such that ok(Ek), and k (SPEC
// §7.4, steps 1 and 5). ok must be monotone: false then true as Ek grows.
// It finds k by doubling then bisection.
func (in *instrument) firstTerm(ok func(calendar.Date) bool) (calendar.Date, int) {
	ek := func(k int) calendar.Date {
		d, r := *in.p.Duration, *in.p.Renewal
		return in.eif.Add(calendar.Duration{
			Years:  d.Years + k*r.Years,
			Months: d.Months + k*r.Months,
			Weeks:  d.Weeks + k*r.Weeks,
			Days:   d.Days + k*r.Days,
		})
	}
	if e := ek(0); ok(e) {
		return e, 0
	}
	lo, hi := 0, 1 // invariant: !ok(ek(lo))
	for i := 0; i < maxRenewalDoublings && !ok(ek(hi)); i++ {
		lo, hi = hi, 2*hi
	}
	for hi-lo > 1 {
		mid := lo + (hi-lo)/2
		if ok(ek(mid)) {
			hi = mid
		} else {
			lo = mid
		}
	}
	return ek(hi), hi
}

// status returns the instrument's status at t, its reported end and the
// number of tacit renewals by t (SPEC §7.4, steps 4 and 5).
func (in *instrument) status(t calendar.Date) (Status, *calendar.Date, int) {
	switch {
	case in.rejection != nil:
		return StatusRejected, nil, 0
	case in.eif == nil:
		return StatusProposed, nil, 0
	}
	end, denounced := in.finalEnd()
	renewals := 0
	if in.renews() {
		// Renewals by t: terms that ended on or before t and, if denounced,
		// on or before the day notice was given and before it took effect:
		// a term that ends while the notice runs is not renewed.
		te, k := in.firstTerm(func(e calendar.Date) bool { return e.After(t) })
		renewals = k
		if denounced {
			d, dd := in.denounced.Date, *end
			_, kd := in.firstTerm(func(e calendar.Date) bool { return e.After(d) || !e.Before(dd) })
			renewals = min(k, kd)
		} else {
			end = &te
		}
	}
	switch {
	case t.Before(*in.eif):
		return StatusSigned, end, 0
	case end != nil && !t.Before(*end) && denounced:
		return StatusDenounced, end, renewals
	case end != nil && !t.Before(*end):
		return StatusExpired, end, renewals
	}
	return StatusInForce, end, renewals
}

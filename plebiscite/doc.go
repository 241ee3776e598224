// Package plebiscite implements an end-to-end verifiable plebiscite as
// specified in docs/SPEC.md, Sections 13 to 16 (docs/SPEC.md to
// docs/SPEC.md): the manifest and its electoral roll
// (§13), voters' credentials, encrypted ballots with their proofs, tracking
// codes and Benaloh audits (§14), the homomorphic tally, its threshold
// decryption and the binding outcome (§15), and the verification of a whole
// plebiscite record (§16).
//
// The life of a plebiscite:
//
//   - The parties agree a draft Manifest; the trustees run the key
//     generation of package threshold with the draft hash as context, and
//     the manifest is completed with the election key and the trustees'
//     verification keys (Manifest.Draft, SPEC §13.3).
//   - NewElection binds the complete manifest to its Roll. A Voter casts a
//     Ballot (Voter.Cast); the voter may instead audit it (Secrets.Audit,
//     VerifyAudit) and cast a new one. Ballots and spoiled ballots are the
//     leaves of the plebiscite's log; the last ballot of a credential counts.
//   - Tally sums the counted ballots; the trustees publish decryption shares
//     of the Aggregate (threshold.Trustee.DecryptShare), and Decrypt
//     combines them into the Result.
//   - Anyone runs VerifyRecord on the Record: manifest, roll, leaves and
//     result in, a Report or an error naming the failing rule out.
//
// The package imports no storage and no server.
package plebiscite

// SPDX-License-Identifier: GPL-3.0-or-later
pragma circom 2.1.5;

include "circomlib/circuits/poseidon.circom";

// Zero-knowledge consent: "I know the identitySecret behind this pseudonym for this
// grantee", bound to one grant (or revocation) by paramsHash. The pseudonym is per
// grantee, so two grants to different doctors cannot be linked, while a revocation
// for the same grantee reproduces the grant's pseudonym.
// Public signals: [pseudonym, grantee, paramsHash].
template Consent() {
    signal input identitySecret;
    signal input grantee;     // Ethereum address as a field element (uint160)
    signal input paramsHash;  // grantParamsHash(...) or revokeParamsHash(...), src/zk/grantHash.ts: bound to one deployment

    signal output pseudonym;

    pseudonym <== Poseidon(2)([identitySecret, grantee]);

    // paramsHash enters no other constraint; squaring it makes it part of the R1CS so
    // the proof cannot be replayed with different grant parameters.
    signal paramsHashSquared <== paramsHash * paramsHash;
}

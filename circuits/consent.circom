// SPDX-License-Identifier: GPL-3.0-or-later
pragma circom 2.1.5;

include "circomlib/circuits/poseidon.circom";

// Zero-knowledge consent: "I know the identitySecret behind this pseudonym for this
// grantee", bound to one grant (or revocation, or reissue) by paramsHash. The pseudonym
// is per grantee, per deployment and per grant: Poseidon(identitySecret, grantee, domain,
// grantIndex). Two grants to different doctors, two grants to the same doctor (another
// grantIndex) and grants on two deployments (another domain) share no value, while a
// revocation or reissue of one grant reproduces its pseudonym from the same index.
// Public signals: [pseudonym, grantee, paramsHash, domain].
template Consent() {
    signal input identitySecret;
    signal input grantIndex;  // private: which of the patient's grants to this grantee (src/zk/consentPseudonym.ts)
    signal input grantee;     // Ethereum address as a field element (uint160)
    signal input paramsHash;  // grantParamsHash(...), revokeParamsHash(...) or reissueParamsHash(...), src/zk/grantHash.ts
    signal input domain;      // consentDomain(chainId, Consent address), supplied by the contract

    signal output pseudonym;

    pseudonym <== Poseidon(4)([identitySecret, grantee, domain, grantIndex]);

    // paramsHash enters no other constraint; squaring it makes it part of the R1CS so
    // the proof cannot be replayed with different grant parameters.
    signal paramsHashSquared <== paramsHash * paramsHash;
}

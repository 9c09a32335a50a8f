// SPDX-License-Identifier: GPL-3.0-or-later
pragma circom 2.1.5;

include "circomlib/circuits/poseidon.circom";
include "circomlib/circuits/bitify.circom";
include "circomlib/circuits/comparators.circom";
include "binaryMerkleRoot.circom";

// Anonymous eligibility: "my insurer enrolled me in plan planId until validUntil, that
// is on or after visitDate, and this is my k-th visit of visitsPerPeriod in period",
// without saying who I am. The nullifier is the same for the same (member, deployment,
// plan, period, k), so each of the visitsPerPeriod visits can be claimed once per
// period; `domain` (chain id and Insurance address, supplied by the contract) makes a
// member's nullifiers on one deployment unrelated to those on any other.
// One circuit per tree depth (Semaphore V4's way): Eligibility(d) takes LeanIMT paths
// of 0..d siblings, and the app proves with the smallest d that holds its insurer's tree.
// The four small public values travel packed in one public signal, `terms`
// (planId + period * 2^64 + visitDate * 2^128 + visitsPerPeriod * 2^192, each
// range-checked here, so the packing is one-to-one): every public signal costs the
// verifying contract an elliptic-curve multiplication (6,150 gas).
// Public signals: [nullifier, root, terms, bookingHash, domain].
template Eligibility(MAX_DEPTH) {
    signal input identitySecret;
    signal input validUntil;            // unix seconds, committed in the insurer's leaf
    signal input k;                     // which of this period's visits, 0..visitsPerPeriod-1
    signal input merkleProofLength;
    signal input merkleProofIndex;      // leaf index as LeanIMT's generateProof returns it
    signal input merkleProofSiblings[MAX_DEPTH];

    signal input visitDate;             // unix seconds, < 2^64
    signal input planId;                // < 2^64
    signal input period;                // < 2^64
    signal input visitsPerPeriod;       // 1..255, the contract supplies the plan's value

    signal input root;                  // a recent root of the insurer's member tree
    signal input terms;                 // the four values above, packed (the contract packs them)
    signal input bookingHash;           // binds the slot, the doctor and the paying account
    signal input domain;                // keccak256(abi.encode(chainid, insurance)) >> 8

    signal output nullifier;

    signal identityCommitment <== Poseidon(1)([identitySecret]);
    signal leaf <== Poseidon(3)([identityCommitment, planId, validUntil]);

    signal indices[MAX_DEPTH] <== Num2Bits(MAX_DEPTH)(merkleProofIndex);
    signal computedRoot <== BinaryMerkleRoot(MAX_DEPTH)(leaf, merkleProofLength, indices, merkleProofSiblings);
    root === computedRoot;

    // Comparators are only sound on inputs known to fit in their bit width.
    _ = Num2Bits(64)(validUntil);
    _ = Num2Bits(64)(visitDate);
    signal notExpired <== LessEqThan(64)([visitDate, validUntil]);
    notExpired === 1;

    _ = Num2Bits(8)(k);
    _ = Num2Bits(8)(visitsPerPeriod);
    _ = Num2Bits(64)(planId);
    _ = Num2Bits(64)(period);
    terms === planId + period * 2**64 + visitDate * 2**128 + visitsPerPeriod * 2**192;
    signal visitAllowed <== LessThan(8)([k, visitsPerPeriod]);
    visitAllowed === 1;

    nullifier <== Poseidon(5)([identitySecret, domain, planId, period, k]);

    // Binds the proof to one booking; otherwise unconstrained.
    signal bookingHashSquared <== bookingHash * bookingHash;
}

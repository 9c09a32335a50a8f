// SPDX-License-Identifier: GPL-3.0-or-later
pragma circom 2.1.5;

include "circomlib/circuits/poseidon.circom";
include "circomlib/circuits/mux1.circom";
include "circomlib/circuits/comparators.circom";

// Root of a binary Merkle tree (LeanIMT included) from a leaf and a proof whose length
// (depth) varies up to MAX_DEPTH: the circuit hashes MAX_DEPTH levels and selects the
// node at level `depth`. LeanIMT proofs skip levels where a node has no sibling, so
// `depth` is the number of siblings, not the tree's height. Same algorithm as zk-kit's
// binary-merkle-root.circom (not published on npm when this was written), plus range
// checks on depth and indices so the caller need not add them.
template BinaryMerkleRoot(MAX_DEPTH) {
    signal input leaf;
    signal input depth;                 // number of siblings used, 0..MAX_DEPTH
    signal input indices[MAX_DEPTH];    // bit i: 1 when the node at level i is a right child
    signal input siblings[MAX_DEPTH];   // unused levels: any value (0 by convention)

    signal output root;

    // Without these a prover could pick depth > MAX_DEPTH (root 0) or non-bit indices.
    var depthBits = 0;
    while ((1 << depthBits) <= MAX_DEPTH) { depthBits++; }
    _ = Num2Bits(depthBits)(depth);
    signal depthInRange <== LessEqThan(depthBits)([depth, MAX_DEPTH]);
    depthInRange === 1;

    signal nodes[MAX_DEPTH + 1];
    nodes[0] <== leaf;

    signal selected[MAX_DEPTH + 1];
    var sum = 0;

    for (var i = 0; i < MAX_DEPTH; i++) {
        indices[i] * (indices[i] - 1) === 0;

        var isDepth = IsEqual()([depth, i]);
        selected[i] <== isDepth * nodes[i];
        sum += selected[i];

        var children[2] = MultiMux1(2)([[nodes[i], siblings[i]], [siblings[i], nodes[i]]], indices[i]);
        nodes[i + 1] <== Poseidon(2)(children);
    }

    var isMaxDepth = IsEqual()([depth, MAX_DEPTH]);
    selected[MAX_DEPTH] <== isMaxDepth * nodes[MAX_DEPTH];

    root <== sum + selected[MAX_DEPTH];
}

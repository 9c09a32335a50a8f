// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.24;

/// @notice The generated Groth16 verifier of circuits/eligibility.circom at every built
/// depth (contracts/generated/EligibilityVerifier.sol): `depth` picks the key.
/// @dev Public signals, in circuits/circuits.json order: [nullifier, root, terms,
/// bookingHash, domain], terms = planId | period << 64 | visitDate << 128 | visitsPerPeriod << 192.
/// A depth it holds no key for verifies nothing.
interface IEligibilityVerifier {
    function verifyProof(
        uint256[2] calldata _pA,
        uint256[2][2] calldata _pB,
        uint256[2] calldata _pC,
        uint256[5] calldata _pubSignals,
        uint256 depth
    ) external view returns (bool);
}

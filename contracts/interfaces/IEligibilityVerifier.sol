// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.24;

/// @notice The snarkjs-generated Groth16 verifier of circuits/eligibility.circom.
/// @dev Public signals, in circuits/circuits.json order:
/// [nullifier, root, visitDate, planId, period, visitsPerPeriod, bookingHash, domain].
interface IEligibilityVerifier {
    function verifyProof(
        uint256[2] calldata _pA,
        uint256[2][2] calldata _pB,
        uint256[2] calldata _pC,
        uint256[8] calldata _pubSignals
    ) external view returns (bool);
}

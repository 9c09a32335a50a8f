// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.24;

import {IEligibilityVerifier} from "../../interfaces/IEligibilityVerifier.sol";

/// @notice Stands in for the Groth16 verifier in contract tests: a "proof" is valid
/// only for the exact public signals it was made for (pA[0] = their keccak), so the
/// binding checks (booking, root, period, plan, depth) are exercised like with real proofs.
contract EligibilityVerifierDouble is IEligibilityVerifier {
    function verifyProof(
        uint256[2] calldata pA,
        uint256[2][2] calldata,
        uint256[2] calldata,
        uint256[5] calldata signals,
        uint256 depth
    ) external pure returns (bool) {
        return pA[0] == proofFor(signals, depth);
    }

    function proofFor(uint256[5] memory signals, uint256 depth) public pure returns (uint256) {
        return uint256(keccak256(abi.encode(signals, depth)));
    }
}

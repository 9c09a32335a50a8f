// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.24;

import {Test} from "./lib/Test.sol";
import {IEligibilityVerifier} from "../interfaces/IEligibilityVerifier.sol";
import {EligibilityVerifier} from "../generated/EligibilityVerifier.sol";

/// @notice The generated Groth16 verifier, called through the interface Insurance uses,
/// on the committed real proof (test/fixtures/zk/eligibility.proof.json: Member 3 of a 5-member tree, plan 42, valid until 1800000000, visit 1760000000, period 24310, k 0 of 3).
/// If the circuit's keys change, copy the regenerated fixture's numbers here.
contract InsuranceRealVerifierTest is Test {
    IEligibilityVerifier internal verifier;
    uint256[2] internal pA;
    uint256[2][2] internal pB;
    uint256[2] internal pC;
    uint256[7] internal signals;

    function setUp() public {
        verifier = IEligibilityVerifier(address(new EligibilityVerifier()));
        pA = [uint256(18995712434752862805899635902295948060953710448803743769940348643215084659219), 11852776343504090304470533085469230834259619361798405966941996192627673726361];
        pB = [[uint256(11841518456943199238226991452537372840075209247753859766183996889847377215496), 833843753783238671008457620267881001274168551636610912533632357675093323040], [uint256(17404793988347200611076951202112916509157860344820881862670450075614824304791), 2043545583125613090634865640943198606842730646861970588107705914183913867234]];
        pC = [uint256(11219575192639120844313608327909285875266097431463968121904079461669359538574), 4403019985541553677378191259096419733242418303715351623094306683488934339772];
        signals = [
            uint256(1425714087017279032985912492809537898238594004973256978188671412098887238263),
            18312082763760824440051128790913385914353484177563303251342938375897477237266,
            1760000000,
            42,
            24310,
            3,
            721089
        ];
    }

    function test_acceptsTheRealProof() public view {
        assertTrue(verifier.verifyProof(pA, pB, pC, signals), "real proof rejected");
    }

    /// Each public signal is bound: nullifier, root, visitDate, planId, period, visitsPerPeriod, bookingHash.
    function testFuzz_rejectsAnyChangedSignal(uint8 which, uint256 delta) public view {
        uint256[7] memory changed = signals;
        which = uint8(bound(which, 0, 6));
        delta = bound(delta, 1, 1e30);
        changed[which] = (changed[which] + delta) % 21888242871839275222246405745257275088548364400416034343698204186575808495617;
        assertFalse(verifier.verifyProof(pA, pB, pC, changed), "changed signal accepted");
    }
}

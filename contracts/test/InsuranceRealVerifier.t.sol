// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.24;

import {Test} from "./lib/Test.sol";
import {IEligibilityVerifier} from "../interfaces/IEligibilityVerifier.sol";
import {EligibilityVerifier} from "../generated/EligibilityVerifier.sol";

/// @notice The generated Groth16 verifier, called through the interface Insurance uses,
/// on the committed real proof (test/fixtures/zk/eligibility.proof.json: Member 3 of a 5-member tree, plan 42, valid until 1800000000, visit 1760000000, period 24310, k 0 of 3, domain 0xd0d0a1).
/// If the circuit's keys change, copy the regenerated fixture's numbers here.
contract InsuranceRealVerifierTest is Test {
    IEligibilityVerifier internal verifier;
    uint256[2] internal pA;
    uint256[2][2] internal pB;
    uint256[2] internal pC;
    uint256[8] internal signals;

    function setUp() public {
        verifier = IEligibilityVerifier(address(new EligibilityVerifier()));
        pA = [uint256(9846071506020418130316987785730893935246231140331211098703467809781772130794), 15439588028441856019800250539382953760421127645845718869952827570532286794446];
        pB = [[uint256(8631162504829775917218195711793930120012602946850132552605136582326178345832), 16040981889847850805016006497507290201670002112354382520159556794099635212151], [uint256(8168624136100556339200276022407012944468591373392425761313857982576925247925), 21151071711164845986192453620398212373583953247066530162135846254343287466001]];
        pC = [uint256(2634534265150160314725921088635620282271450087128944865378585526673886251557), 16165435302729290294693774384738813261362546749380015170974899587715033877315];
        signals = [
            uint256(12439381077162890270938826749649155268053837105970779730963795924326621683010),
            18312082763760824440051128790913385914353484177563303251342938375897477237266,
            1760000000,
            42,
            24310,
            3,
            721089,
            13684897
        ];
    }

    function test_acceptsTheRealProof() public view {
        assertTrue(verifier.verifyProof(pA, pB, pC, signals), "real proof rejected");
    }

    /// Each public signal is bound: nullifier, root, visitDate, planId, period, visitsPerPeriod, bookingHash, domain.
    function testFuzz_rejectsAnyChangedSignal(uint8 which, uint256 delta) public view {
        uint256[8] memory changed = signals;
        which = uint8(bound(which, 0, 7));
        delta = bound(delta, 1, 1e30);
        changed[which] = (changed[which] + delta) % 21888242871839275222246405745257275088548364400416034343698204186575808495617;
        assertFalse(verifier.verifyProof(pA, pB, pC, changed), "changed signal accepted");
    }
}

// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.24;

import {Test} from "./lib/Test.sol";
import {IEligibilityVerifier} from "../interfaces/IEligibilityVerifier.sol";
import {EligibilityVerifier} from "../generated/EligibilityVerifier.sol";

/// @notice The generated Groth16 verifier (every depth's key in one contract), called
/// through the interface Insurance uses, on the committed real proof
/// (test/fixtures/zk/eligibility.proof.json: Member 3 of a 5-member tree (depth 3), plan 42, valid until 1800000000, visit 1760000000, period 24310, k 0 of 3, domain 0xd0d0a1).
/// If the circuit's keys change, copy the regenerated fixture's numbers here.
contract InsuranceRealVerifierTest is Test {
    uint256 internal constant DEPTH = 3;
    IEligibilityVerifier internal verifier;
    uint256[2] internal pA;
    uint256[2][2] internal pB;
    uint256[2] internal pC;
    uint256[5] internal signals;

    function setUp() public {
        verifier = IEligibilityVerifier(address(new EligibilityVerifier()));
        pA = [uint256(9455966765666834176020608358789730044604508057830810460389202678370683689923), 14917672067094917198657729146877187691652801245633632426319219362413594097164];
        pB = [[uint256(15632020969780217458040112919992310823925054647145189641336595714822577861376), 15454092133616693648142591069253813762863462150377478550565747294339972407667], [uint256(13069680792309208377357955996356184789264259532837469271712332602940476983534), 10290574473243690552360462000165056500989121413959328379933612842974400082233]];
        pC = [uint256(16900177501668513124026858336043264177661658352137936049999056196599993711897), 6775480822656197110081682924128997454609082956483399692900837348232332690017];
        signals = [
            uint256(12439381077162890270938826749649155268053837105970779730963795924326621683010),
            18312082763760824440051128790913385914353484177563303251342938375897477237266,
            18831305206758939257288219965318539005827326817433863323690,
            721089,
            13684897
        ];
    }

    function test_acceptsTheRealProof() public view {
        assertTrue(verifier.verifyProof(pA, pB, pC, signals, DEPTH), "real proof rejected");
    }

    /// Each public signal is bound: nullifier, root, terms, bookingHash, domain.
    function testFuzz_rejectsAnyChangedSignal(uint8 which, uint256 delta) public view {
        uint256[5] memory changed = signals;
        which = uint8(bound(which, 0, 4));
        delta = bound(delta, 1, 1e30);
        changed[which] = (changed[which] + delta) % 21888242871839275222246405745257275088548364400416034343698204186575808495617;
        assertFalse(verifier.verifyProof(pA, pB, pC, changed, DEPTH), "changed signal accepted");
    }

    /// A proof at one depth is refused by every other depth's key, and by depths without one.
    function testFuzz_otherDepthsRefuseIt(uint256 depth) public view {
        vm.assume(depth != DEPTH);
        assertFalse(verifier.verifyProof(pA, pB, pC, signals, depth), "another depth accepted it");
    }

    function test_everyOtherBuiltDepthRefusesIt() public view {
        for (uint256 depth = 0; depth <= 21; ++depth) {
            assertEq(verifier.verifyProof(pA, pB, pC, signals, depth), depth == DEPTH, "depth");
        }
    }
}

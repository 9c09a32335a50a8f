// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.24;

import {Appointments} from "../Appointments.sol";
import {Insurance} from "../Insurance.sol";
import {IInsurance} from "../interfaces/IInsurance.sol";
import {PaymentsFixture} from "./handlers/PaymentsFixture.sol";

contract InsuranceTest is PaymentsFixture {
    uint96 internal constant FEE = 0.05 ether;
    uint256 internal constant LEAF = 0x1234;
    uint256 internal planId;
    uint256 internal root;

    function setUp() public {
        _deployWithDouble();
        planId = _plan(FEE, 2);
        root = _enrol(LEAF);
        _fund(1 ether);
    }

    // ------------------------------------------------------------------ plans

    function testFuzz_onlyInsurersCreatePlans(address caller) public {
        vm.assume(caller != insurer);
        vm.expectRevert(abi.encodeWithSelector(Insurance.Insurance__NotInsurer.selector, caller));
        vm.prank(caller);
        insurance.createPlan("Plan", FEE, 2, 30 days);
    }

    function test_planParametersAreChecked() public {
        vm.startPrank(insurer);
        vm.expectRevert(abi.encodeWithSelector(Insurance.Insurance__InvalidPlan.selector, "name"));
        insurance.createPlan("", FEE, 2, 30 days);
        vm.expectRevert(abi.encodeWithSelector(Insurance.Insurance__InvalidPlan.selector, "feeCovered"));
        insurance.createPlan("Plan", 0, 2, 30 days);
        vm.expectRevert(abi.encodeWithSelector(Insurance.Insurance__InvalidPlan.selector, "visitsPerPeriod"));
        insurance.createPlan("Plan", FEE, 256, 30 days);
        vm.expectRevert(abi.encodeWithSelector(Insurance.Insurance__InvalidPlan.selector, "periodLength"));
        insurance.createPlan("Plan", FEE, 2, 1 hours);
        vm.stopPrank();
        Insurance.Plan memory p = insurance.plan(planId);
        assertEq(p.insurer, insurer, "insurer");
        assertEq(uint256(p.feeCovered), FEE, "fee covered");
        assertEq(p.name, "Basic care", "name");
    }

    // ---------------------------------------------------------------- members

    /// The on-chain tree is zk-kit's LeanIMT: recompute small trees by hand.
    function test_memberRootsFollowLeanIMT() public {
        assertEq(root, LEAF, "one leaf: the root is the leaf");
        uint256 ab = hasher.hash([LEAF, 0x5678]);
        assertEq(_enrol(0x5678), ab, "two leaves");
        assertEq(_enrol(0x9abc), hasher.hash([ab, 0x9abc]), "three leaves: c is carried up unhashed");
        uint256 abcd = hasher.hash([ab, hasher.hash([uint256(0x9abc), 0xdef0])]);
        assertEq(_enrol(0xdef0), abcd, "four leaves");
        uint256 r5 = hasher.hash([abcd, 0x1111]);
        assertEq(_enrol(0x1111), r5, "five leaves: depth grows");
        assertEq(insurance.memberRoot(insurer), r5, "memberRoot");
        assertEq(insurance.memberCount(insurer), 5, "memberCount");
    }

    /// Every root after every insertion equals LeanIMT's root recomputed from all leaves.
    /// forge-config: default.fuzz.runs = 64
    function testFuzz_memberRootsMatchAFullRecomputation(uint256 seed, uint8 count) public {
        count = uint8(bound(count, 1, 40));
        uint256[] memory leaves = new uint256[](uint256(count) + 1);
        leaves[0] = LEAF;
        for (uint256 i = 1; i <= count; ++i) {
            leaves[i] = uint256(keccak256(abi.encode(seed, i))) % 21888242871839275222246405745257275088548364400416034343698204186575808495617;
            if (leaves[i] == 0) leaves[i] = 1;
            uint256 onChain = _enrol(leaves[i]);
            assertEq(onChain, _leanRoot(leaves, i + 1), "root after insertion");
        }
        assertEq(insurance.memberCount(insurer), uint256(count) + 1, "size");
    }

    /// @dev LeanIMT by definition: pair up each level, carry an odd last node up unhashed.
    function _leanRoot(uint256[] memory leaves, uint256 n) internal view returns (uint256) {
        uint256[] memory level = new uint256[](n);
        for (uint256 i = 0; i < n; ++i) {
            level[i] = leaves[i];
        }
        while (n > 1) {
            uint256 m = (n + 1) / 2;
            for (uint256 i = 0; i < m; ++i) {
                level[i] = 2 * i + 1 < n ? hasher.hash([level[2 * i], level[2 * i + 1]]) : level[2 * i];
            }
            n = m;
        }
        return level[0];
    }

    function testFuzz_onlyInsurersEnrol(address caller) public {
        vm.assume(caller != insurer);
        vm.expectRevert(abi.encodeWithSelector(Insurance.Insurance__NotInsurer.selector, caller));
        vm.prank(caller);
        insurance.enrol(LEAF + 1);
    }

    function testFuzz_leavesMustBeFieldElements(uint256 leaf) public {
        leaf = bound(leaf, 21888242871839275222246405745257275088548364400416034343698204186575808495617, type(uint256).max);
        vm.startPrank(insurer);
        vm.expectRevert(Insurance.Insurance__InvalidLeaf.selector);
        insurance.enrol(leaf);
        vm.expectRevert(Insurance.Insurance__InvalidLeaf.selector);
        insurance.enrol(0);
        vm.stopPrank();
    }

    function test_onlyTheLastRootsAreAccepted() public {
        uint256 first = root;
        uint256 history = insurance.ROOT_HISTORY_SIZE();
        for (uint256 i = 1; i < history; ++i) {
            _enrol(LEAF + i);
        }
        assertTrue(insurance.isAcceptedRoot(insurer, first), "still among the last roots");
        _enrol(LEAF + history);
        assertFalse(insurance.isAcceptedRoot(insurer, first), "pushed out of the history");
        assertFalse(insurance.isAcceptedRoot(address(0xBAD), first), "another insurer's tree");
        assertFalse(insurance.isAcceptedRoot(insurer, 0), "zero root");
    }

    /// Gas regression for the benchmark `insurance.enrol_gas` (reported, not hidden).
    function test_enrolGasWithAThousandMembers() public {
        for (uint256 i = 1; i < 1000; ++i) {
            _enrol(LEAF + i);
        }
        vm.prank(insurer);
        uint256 gasBefore = gasleft();
        insurance.enrol(LEAF + 1000);
        uint256 used = gasBefore - gasleft();
        // Warm storage here (one test transaction); the benchmark measures a real cold transaction.
        assertLe(used, 100_000, "enrol execution gas, warm, without the 21,000 base");
    }

    // ------------------------------------------------------------------- pool

    function testFuzz_fundAndWithdrawUnreserved(uint96 amount, uint96 back) public {
        vm.assume(amount > 0);
        back = uint96(bound(back, 1, uint256(amount) + 1 ether));
        vm.deal(patient, amount);
        vm.prank(patient);
        insurance.fund{value: amount}(insurer);
        assertEq(insurance.poolOf(insurer), uint256(amount) + 1 ether, "pool");
        uint256 before = insurer.balance;
        vm.prank(insurer);
        insurance.withdrawUnreserved(back);
        assertEq(insurer.balance - before, back, "withdrawn exactly");
        assertEq(address(insurance).balance, insurance.poolOf(insurer), "balance is the pool");
    }

    function testFuzz_withdrawalBySomeoneOwedNothing(address who, uint256 amount) public {
        vm.assume(who != insurer);
        amount = bound(amount, 1, 100 ether);
        vm.expectRevert(abi.encodeWithSelector(Insurance.Insurance__InsufficientPool.selector, 0, amount));
        vm.prank(who);
        insurance.withdrawUnreserved(amount);
    }

    function test_fundingOnlyForInsurers() public {
        vm.expectRevert(abi.encodeWithSelector(Insurance.Insurance__NotInsurer.selector, patient));
        insurance.fund{value: 1}(patient);
    }

    function testFuzz_onlyAppointmentsClaims(address caller) public {
        vm.assume(caller != address(appointments));
        IInsurance.CoverClaim memory cover;
        vm.expectRevert(abi.encodeWithSelector(Insurance.Insurance__NotAppointments.selector, caller));
        vm.prank(caller);
        insurance.claim(cover, 1, doctor, block.timestamp, FEE, caller);
        vm.expectRevert(Insurance.Insurance__AlreadyBound.selector);
        insurance.bindAppointments(caller);
    }

    // --------------------------------------------------------- covered visits

    function testFuzz_coveredBookingFromAnyAccount(address relayer, uint256 nullifier) public {
        vm.assume(relayer != address(0) && relayer != doctor);
        uint256 slotId = _publish(3 days, FEE);
        _bookCovered(relayer, slotId, _cover(planId, root, nullifier, slotId, relayer), 0);
        Appointments.Slot memory slot = appointments.getSlot(slotId);
        assertEq(uint256(slot.status), uint256(Appointments.Status.Booked), "booked");
        assertEq(uint256(slot.covered), FEE, "covered in full");
        assertEq(slot.insurer, insurer, "insurer");
        assertTrue(insurance.nullifierUsed(nullifier), "nullifier spent");
        assertEq(insurance.poolOf(insurer), 1 ether - FEE, "pool paid");
        assertEq(address(appointments).balance, FEE, "fee in escrow");
        assertEq(appointments.coverInEscrow(insurer), FEE, "cover in escrow");
    }

    function test_aNullifierIsSpentOnce() public {
        uint256 first = _publish(3 days, FEE);
        uint256 second = _publish(4 days, FEE);
        _bookCovered(patient, first, _cover(planId, root, 77, first, patient), 0);
        IInsurance.CoverClaim memory again = _cover(planId, root, 77, second, address(0xCAFE));
        vm.expectRevert(abi.encodeWithSelector(Insurance.Insurance__NullifierUsed.selector, 77));
        _bookCovered(address(0xCAFE), second, again, 0);
    }

    function test_aProofForAnotherBookingIsRefused() public {
        uint256 first = _publish(3 days, FEE);
        uint256 second = _publish(3 days, FEE);
        IInsurance.CoverClaim memory forFirst = _cover(planId, root, 5, first, patient);
        vm.expectRevert(Insurance.Insurance__InvalidProof.selector);
        _bookCovered(patient, second, forFirst, 0);
    }

    function test_aProofForAnotherPlanIsRefused() public {
        uint256 other = _plan(FEE, 5);
        uint256 slotId = _publish(3 days, FEE);
        IInsurance.CoverClaim memory cover = _cover(planId, root, 5, slotId, patient);
        cover.planId = other;
        vm.expectRevert(Insurance.Insurance__InvalidProof.selector);
        _bookCovered(patient, slotId, cover, 0);
    }

    function testFuzz_unknownRootsAreRefused(uint256 fakeRoot) public {
        vm.assume(fakeRoot != root);
        uint256 slotId = _publish(3 days, FEE);
        IInsurance.CoverClaim memory cover = _cover(planId, fakeRoot, 5, slotId, patient);
        vm.expectRevert(abi.encodeWithSelector(Insurance.Insurance__UnknownRoot.selector, fakeRoot));
        _bookCovered(patient, slotId, cover, 0);
    }

    /// The proof names the depth of its circuit; the contract takes a depth the tree has
    /// had (1 up to its depth now) and the verifier checks the proof with that depth's key.
    function test_theProofNamesItsDepth() public {
        for (uint256 i = 0; i < 4; ++i) root = _enrol(LEAF + 1 + i); // 5 members: depth 3
        uint256 slotId = _publish(3 days, FEE);
        IInsurance.CoverClaim memory cover = _cover(planId, root, 5, slotId, patient);
        assertEq(cover.depth, 3, "the tree's depth");
        // A depth the tree has never had, or none: refused before verifying.
        cover.depth = 4;
        vm.expectRevert(abi.encodeWithSelector(Insurance.Insurance__InvalidDepth.selector, 4, 3));
        _bookCovered(patient, slotId, cover, 0);
        cover.depth = 0;
        vm.expectRevert(abi.encodeWithSelector(Insurance.Insurance__InvalidDepth.selector, 0, 3));
        _bookCovered(patient, slotId, cover, 0);
        // A depth the tree had, but not the proof's: its key refuses the proof.
        cover.depth = 2;
        vm.expectRevert(Insurance.Insurance__InvalidProof.selector);
        _bookCovered(patient, slotId, cover, 0);
        cover.depth = 3;
        _bookCovered(patient, slotId, cover, 0);
    }

    function test_memberDepthIsTheLeanIMTDepth() public {
        assertEq(insurance.memberDepth(address(0xD00D)), 0, "no members");
        for (uint256 size = 1; size <= 40; ++size) {
            if (size > 1) _enrol(LEAF + size);
            uint256 expected = 1;
            while ((1 << expected) < size) ++expected;
            assertEq(insurance.memberCount(insurer), size, "size");
            assertEq(insurance.memberDepth(insurer), expected, "depth");
        }
    }

    function testFuzz_feesAboveTheCoverNeedTheDifference(uint96 extra) public {
        extra = uint96(bound(extra, 1, 10 ether));
        uint256 slotId = _publish(3 days, FEE + extra);
        IInsurance.CoverClaim memory cover = _cover(planId, root, 9, slotId, patient);
        vm.deal(patient, extra);
        vm.expectRevert(abi.encodeWithSelector(Appointments.Appointments__WrongFee.selector, extra, 0));
        vm.prank(patient);
        appointments.bookCovered(slotId, cover);
        _bookCovered(patient, slotId, cover, extra);
        vm.prank(patient);
        appointments.cancelByPatient(slotId);
        assertEq(appointments.withdrawable(patient), extra, "patient gets back its part");
        assertEq(insurance.poolOf(insurer), 1 ether, "pool gets back its part");
    }

    function test_doctorCancellationReturnsCoverToThePool() public {
        uint256 slotId = _publish(3 days, FEE);
        _bookCovered(patient, slotId, _cover(planId, root, 11, slotId, patient), 0);
        vm.prank(doctor);
        appointments.cancelByDoctor(slotId);
        assertEq(insurance.poolOf(insurer), 1 ether, "pool restored");
        assertEq(appointments.withdrawable(patient), 0, "the relayer paid nothing, gets nothing");
        assertEq(appointments.coverInEscrow(insurer), 0, "no cover in escrow");
        assertEq(address(appointments).balance, 0, "escrow empty");
    }

    function test_completedCoveredVisitPaysTheDoctor() public {
        uint256 slotId = _publish(3 days, FEE);
        _bookCovered(patient, slotId, _cover(planId, root, 12, slotId, patient), 0);
        vm.warp(block.timestamp + 3 days);
        vm.prank(patient);
        appointments.confirmAttendance(slotId);
        vm.prank(doctor);
        appointments.complete(slotId);
        assertEq(appointments.withdrawable(doctor), FEE, "doctor credited");
        assertEq(appointments.coverInEscrow(insurer), 0, "cover settled");
    }

    function test_anEmptyPoolCannotPay() public {
        vm.prank(insurer);
        insurance.withdrawUnreserved(1 ether);
        uint256 slotId = _publish(3 days, FEE);
        IInsurance.CoverClaim memory cover = _cover(planId, root, 13, slotId, patient);
        vm.expectRevert(abi.encodeWithSelector(Insurance.Insurance__InsufficientPool.selector, 0, FEE));
        _bookCovered(patient, slotId, cover, 0);
    }

    function test_closedPlansPayNoMore() public {
        uint256 slotId = _publish(3 days, FEE);
        IInsurance.CoverClaim memory cover = _cover(planId, root, 14, slotId, patient);
        vm.prank(insurer);
        insurance.closePlan(planId);
        vm.expectRevert(abi.encodeWithSelector(Insurance.Insurance__PlanClosed.selector, planId));
        _bookCovered(patient, slotId, cover, 0);
    }

    // ------------------------------------------------ payer binding, visits back

    function testFuzz_aCopiedProofFailsFromAnyOtherAccount(address attacker) public {
        vm.assume(attacker != patient && attacker != address(0));
        uint256 slotId = _publish(3 days, FEE);
        IInsurance.CoverClaim memory cover = _cover(planId, root, 21, slotId, patient);
        vm.expectRevert(Insurance.Insurance__InvalidProof.selector);
        _bookCovered(attacker, slotId, cover, 0);
        _bookCovered(patient, slotId, cover, 0);
        assertEq(appointments.getSlot(slotId).payer, patient, "the patient's account booked");
    }

    function test_theNullifierIsBoundToThisChainAndContract() public {
        uint256 domain = insurance.nullifierDomain();
        assertEq(domain, uint256(keccak256(abi.encode(block.chainid, address(insurance)))) >> 8, "domain");
        vm.chainId(block.chainid + 1);
        assertTrue(insurance.nullifierDomain() != domain, "another chain, another domain");
        uint256 slotId = _publish(3 days, FEE);
        vm.chainId(31337);
        // A proof made for chain 31337's domain is refused once the chain id differs.
        IInsurance.CoverClaim memory cover = _cover(planId, root, 22, slotId, patient);
        vm.chainId(1);
        vm.expectRevert(Insurance.Insurance__InvalidProof.selector);
        _bookCovered(patient, slotId, cover, 0);
    }

    function test_aDoctorsCancellationGivesTheVisitBack() public {
        uint256 slotId = _publish(3 days, FEE);
        _bookCovered(patient, slotId, _cover(planId, root, 31, slotId, patient), 0);
        assertTrue(insurance.nullifierUsed(31), "spent");
        vm.prank(doctor);
        appointments.cancelByDoctor(slotId);
        assertFalse(insurance.nullifierUsed(31), "given back");
        uint256 next = _publish(4 days, FEE);
        _bookCovered(patient, next, _cover(planId, root, 31, next, patient), 0);
        assertTrue(insurance.nullifierUsed(31), "used again");
    }

    function test_aPatientsCancellationGivesTheVisitBackAndReopensTheSlot() public {
        uint256 slotId = _publish(3 days, FEE);
        _bookCovered(patient, slotId, _cover(planId, root, 32, slotId, patient), 0);
        vm.prank(patient);
        appointments.cancelByPatient(slotId);
        assertFalse(insurance.nullifierUsed(32), "given back");
        assertEq(uint256(appointments.getSlot(slotId).status), uint256(Appointments.Status.Open), "open again");
        _bookCovered(address(0xBEEF), slotId, _cover(planId, root, 32, slotId, address(0xBEEF)), 0);
        assertEq(appointments.getSlot(slotId).insurer, insurer, "booked again, covered");
    }

    function test_anUnconfirmedRefundGivesTheVisitBack() public {
        uint256 slotId = _publish(3 days, FEE);
        _bookCovered(patient, slotId, _cover(planId, root, 33, slotId, patient), 0);
        vm.warp(block.timestamp + 3 days + 30 minutes + appointments.GRACE_PERIOD());
        appointments.refundUnconfirmed(slotId);
        assertFalse(insurance.nullifierUsed(33), "given back");
        assertEq(insurance.poolOf(insurer), 1 ether, "pool restored");
    }

    function test_aCompletedOrNoShowVisitStaysSpent() public {
        uint256 slotId = _publish(3 days, FEE);
        _bookCovered(patient, slotId, _cover(planId, root, 34, slotId, patient), 0);
        vm.prank(doctor);
        appointments.confirm(slotId);
        vm.warp(block.timestamp + 3 days + 30 minutes + appointments.GRACE_PERIOD());
        vm.prank(doctor);
        appointments.claimNoShow(slotId);
        assertTrue(insurance.nullifierUsed(34), "a no-show uses the visit");
    }
}

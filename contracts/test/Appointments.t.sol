// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.24;

import {Appointments} from "../Appointments.sol";
import {PaymentsFixture} from "./handlers/PaymentsFixture.sol";
import {ReentrantPatient} from "./handlers/ReentrantPatient.sol";

contract AppointmentsTest is PaymentsFixture {
    uint96 internal constant FEE = 0.05 ether;

    function setUp() public {
        _deployWithDouble();
    }

    // ----------------------------------------------------------- publishing

    function test_rolesMatchTheRegistry() public view {
        assertEq(appointments.DOCTOR_ROLE(), registry.DOCTOR_ROLE(), "doctor role");
        assertEq(insurance.INSURER_ROLE(), registry.INSURER_ROLE(), "insurer role");
    }

    function testFuzz_onlyDoctorsPublish(address caller) public {
        vm.assume(caller != doctor);
        vm.expectRevert(abi.encodeWithSelector(Appointments.Appointments__NotDoctor.selector, caller));
        vm.prank(caller);
        appointments.publishSlot(uint40(block.timestamp + 1 days), 30 minutes, FEE);
    }

    function testFuzz_publishStoresTheSlot(uint40 startsIn, uint32 duration, uint96 fee) public {
        startsIn = uint40(bound(startsIn, 1, appointments.MAX_LEAD_TIME()));
        duration = uint32(bound(duration, appointments.MIN_DURATION(), appointments.MAX_DURATION()));
        uint40 start = uint40(block.timestamp + startsIn);
        vm.prank(doctor);
        uint256 slotId = appointments.publishSlot(start, duration, fee);
        Appointments.Slot memory slot = appointments.getSlot(slotId);
        assertEq(slot.doctor, doctor, "doctor");
        assertEq(uint256(slot.start), uint256(start), "start");
        assertEq(uint256(slot.duration), uint256(duration), "duration");
        assertEq(uint256(slot.fee), uint256(fee), "fee");
        assertEq(uint256(slot.status), uint256(Appointments.Status.Open), "open");
    }

    function test_publishRefusesPastOrFarStartAndBadDuration() public {
        vm.startPrank(doctor);
        vm.expectRevert(abi.encodeWithSelector(Appointments.Appointments__InvalidStart.selector, block.timestamp));
        appointments.publishSlot(uint40(block.timestamp), 30 minutes, FEE);
        uint256 far = block.timestamp + appointments.MAX_LEAD_TIME() + 1;
        vm.expectRevert(abi.encodeWithSelector(Appointments.Appointments__InvalidStart.selector, far));
        appointments.publishSlot(uint40(far), 30 minutes, FEE);
        vm.expectRevert(abi.encodeWithSelector(Appointments.Appointments__InvalidDuration.selector, 60));
        appointments.publishSlot(uint40(block.timestamp + 1 days), 60, FEE);
        vm.stopPrank();
    }

    // --------------------------------------------------------------- booking

    function testFuzz_bookTakesExactlyTheFee(uint96 fee) public {
        uint256 slotId = _publish(2 days, fee);
        _book(patient, slotId, fee);
        Appointments.Slot memory slot = appointments.getSlot(slotId);
        assertEq(slot.payer, patient, "payer");
        assertEq(uint256(slot.status), uint256(Appointments.Status.Booked), "booked");
        assertEq(address(appointments).balance, fee, "escrowed");
        assertEq(appointments.escrowTotal(), fee, "escrow total");
    }

    function testFuzz_bookRefusesAWrongFee(uint256 sent) public {
        vm.assume(sent != FEE && sent < 1e30);
        uint256 slotId = _publish(2 days, FEE);
        vm.deal(patient, sent);
        vm.expectRevert(abi.encodeWithSelector(Appointments.Appointments__WrongFee.selector, FEE, sent));
        vm.prank(patient);
        appointments.book{value: sent}(slotId);
    }

    function test_bookRefusesOneWeiMoreOrLess() public {
        uint256 slotId = _publish(2 days, FEE);
        vm.deal(patient, 1 ether);
        vm.startPrank(patient);
        vm.expectRevert(abi.encodeWithSelector(Appointments.Appointments__WrongFee.selector, FEE, FEE + 1));
        appointments.book{value: FEE + 1}(slotId);
        vm.expectRevert(abi.encodeWithSelector(Appointments.Appointments__WrongFee.selector, FEE, FEE - 1));
        appointments.book{value: FEE - 1}(slotId);
        vm.stopPrank();
    }

    function testFuzz_aSlotIsBookedOnce(address second) public {
        vm.assume(second != address(0));
        uint256 slotId = _publish(2 days, FEE);
        _book(patient, slotId, FEE);
        vm.deal(second, FEE);
        vm.expectRevert(
            abi.encodeWithSelector(Appointments.Appointments__SlotNotOpen.selector, slotId, Appointments.Status.Booked)
        );
        vm.prank(second);
        appointments.book{value: FEE}(slotId);
    }

    function testFuzz_pastSlotsCannotBeBooked(uint256 late) public {
        uint256 slotId = _publish(1 hours, FEE);
        uint256 start = block.timestamp + 1 hours;
        vm.warp(start + bound(late, 0, 365 days));
        vm.deal(patient, FEE);
        vm.expectRevert(abi.encodeWithSelector(Appointments.Appointments__SlotInPast.selector, slotId, start));
        vm.prank(patient);
        appointments.book{value: FEE}(slotId);
    }

    function testFuzz_unknownSlots(uint256 slotId) public {
        vm.assume(slotId != 0);
        vm.expectRevert(abi.encodeWithSelector(Appointments.Appointments__UnknownSlot.selector, slotId));
        appointments.book(slotId);
    }

    function test_strayEtherIsRefused() public {
        vm.deal(patient, 1 ether);
        vm.prank(patient);
        (bool ok,) = address(appointments).call{value: 1 ether}("");
        assertFalse(ok, "plain transfer accepted");
    }

    // ------------------------------------------------- completing and paying

    function test_completeCreditsTheDoctorWhoWithdraws() public {
        uint256 slotId = _publish(2 days, FEE);
        _book(patient, slotId, FEE);
        vm.prank(doctor);
        appointments.confirm(slotId);
        vm.expectRevert(
            abi.encodeWithSelector(Appointments.Appointments__TooEarly.selector, slotId, block.timestamp + 2 days)
        );
        vm.prank(patient);
        appointments.confirmAttendance(slotId);
        vm.warp(block.timestamp + 2 days);
        vm.prank(patient);
        appointments.confirmAttendance(slotId);
        vm.startPrank(doctor);
        appointments.complete(slotId);
        assertEq(appointments.withdrawable(doctor), FEE, "credited");
        assertEq(appointments.escrowTotal(), 0, "escrow released");
        uint256 before = doctor.balance;
        appointments.withdraw();
        vm.stopPrank();
        assertEq(doctor.balance - before, FEE, "paid out");
        assertEq(address(appointments).balance, 0, "nothing left");
    }

    function testFuzz_withdrawalBySomeoneOwedNothing(address who) public {
        vm.expectRevert(abi.encodeWithSelector(Appointments.Appointments__NothingToWithdraw.selector, who));
        vm.prank(who);
        appointments.withdraw();
    }

    function testFuzz_onlyTheSlotsDoctorActs(address other) public {
        vm.assume(other != doctor);
        uint256 slotId = _publish(2 days, FEE);
        _book(patient, slotId, FEE);
        vm.expectRevert(abi.encodeWithSelector(Appointments.Appointments__NotSlotDoctor.selector, slotId, other));
        vm.prank(other);
        appointments.confirm(slotId);
        vm.expectRevert(abi.encodeWithSelector(Appointments.Appointments__NotSlotDoctor.selector, slotId, other));
        vm.prank(other);
        appointments.cancelByDoctor(slotId);
    }

    // ---------------------------------------------------------- cancelling

    function testFuzz_patientCancelsInTimeForAFullRefund(uint256 wait, uint96 fee) public {
        uint256 slotId = _publish(10 days, fee);
        _book(patient, slotId, fee);
        vm.warp(block.timestamp + bound(wait, 0, 9 days));
        vm.prank(patient);
        appointments.cancelByPatient(slotId);
        assertEq(appointments.withdrawable(patient), fee, "refund is exact");
        assertEq(appointments.escrowTotal(), 0, "escrow released");
    }

    function testFuzz_patientCannotCancelLate(uint256 wait) public {
        uint256 slotId = _publish(10 days, FEE);
        _book(patient, slotId, FEE);
        uint256 deadline = block.timestamp + 9 days;
        vm.warp(deadline + bound(wait, 1, 30 days));
        vm.expectRevert(abi.encodeWithSelector(Appointments.Appointments__TooLateToCancel.selector, slotId, deadline));
        vm.prank(patient);
        appointments.cancelByPatient(slotId);
    }

    function test_onlyThePayerCancels() public {
        uint256 slotId = _publish(10 days, FEE);
        _book(patient, slotId, FEE);
        vm.expectRevert(abi.encodeWithSelector(Appointments.Appointments__NotPayer.selector, slotId, doctor));
        vm.prank(doctor);
        appointments.cancelByPatient(slotId);
    }

    function testFuzz_doctorCancelsForAFullRefund(uint256 wait, bool confirmed) public {
        uint256 slotId = _publish(2 days, FEE);
        _book(patient, slotId, FEE);
        vm.startPrank(doctor);
        if (confirmed) appointments.confirm(slotId);
        vm.warp(block.timestamp + bound(wait, 0, 10 days));
        appointments.cancelByDoctor(slotId);
        vm.stopPrank();
        assertEq(appointments.withdrawable(patient), FEE, "refund is exact");
        assertEq(appointments.withdrawable(doctor), 0, "doctor gets nothing");
    }

    function test_doctorWithdrawsAnOpenSlot() public {
        uint256 slotId = _publish(2 days, FEE);
        vm.prank(doctor);
        appointments.cancelByDoctor(slotId);
        vm.deal(patient, FEE);
        vm.expectRevert(
            abi.encodeWithSelector(
                Appointments.Appointments__SlotNotOpen.selector, slotId, Appointments.Status.CancelledByDoctor
            )
        );
        vm.prank(patient);
        appointments.book{value: FEE}(slotId);
    }

    // ------------------------------------------------------ after the visit

    function test_noShowNeedsConfirmationAndTheGracePeriod() public {
        uint256 slotId = _publish(2 days, FEE);
        _book(patient, slotId, FEE);
        uint256 notBefore = block.timestamp + 2 days + 30 minutes + appointments.GRACE_PERIOD();
        vm.startPrank(doctor);
        vm.warp(notBefore);
        vm.expectRevert(
            abi.encodeWithSelector(Appointments.Appointments__WrongStatus.selector, slotId, Appointments.Status.Booked)
        );
        appointments.claimNoShow(slotId);
        vm.warp(block.timestamp - 10 days);
        appointments.confirm(slotId);
        vm.warp(notBefore - 1);
        vm.expectRevert(abi.encodeWithSelector(Appointments.Appointments__TooEarly.selector, slotId, notBefore));
        appointments.claimNoShow(slotId);
        vm.warp(notBefore);
        appointments.claimNoShow(slotId);
        vm.stopPrank();
        assertEq(appointments.withdrawable(doctor), FEE, "doctor paid");
    }

    function test_unconfirmedBookingsAreRefundedAfterTheGracePeriod() public {
        uint256 slotId = _publish(2 days, FEE);
        _book(patient, slotId, FEE);
        uint256 notBefore = block.timestamp + 2 days + 30 minutes + appointments.GRACE_PERIOD();
        vm.warp(notBefore - 1);
        vm.expectRevert(abi.encodeWithSelector(Appointments.Appointments__TooEarly.selector, slotId, notBefore));
        appointments.refundUnconfirmed(slotId);
        vm.warp(notBefore);
        appointments.refundUnconfirmed(slotId); // anyone may trigger it
        assertEq(appointments.withdrawable(patient), FEE, "refund is exact");
        assertEq(appointments.withdrawable(address(this)), 0, "the trigger gets nothing");
        vm.expectRevert(
            abi.encodeWithSelector(
                Appointments.Appointments__WrongStatus.selector, slotId, Appointments.Status.RefundedUnconfirmed
            )
        );
        appointments.refundUnconfirmed(slotId);
    }

    // ------------------------------------------- attendance, reopened slots

    function testFuzz_aDoctorCannotCompleteWithoutThePatientsAttendance(uint256 wait, bool confirmed) public {
        uint256 slotId = _publish(2 days, FEE);
        _book(patient, slotId, FEE);
        if (confirmed) {
            vm.prank(doctor);
            appointments.confirm(slotId);
        }
        vm.warp(block.timestamp + 2 days + bound(wait, 0, 30 days));
        Appointments.Status status = confirmed ? Appointments.Status.Confirmed : Appointments.Status.Booked;
        vm.expectRevert(abi.encodeWithSelector(Appointments.Appointments__WrongStatus.selector, slotId, status));
        vm.prank(doctor);
        appointments.complete(slotId);
        assertEq(appointments.withdrawable(doctor), 0, "nothing credited");
    }

    function testFuzz_onlyThePayerConfirmsAttendance(address other) public {
        vm.assume(other != patient);
        uint256 slotId = _publish(2 days, FEE);
        _book(patient, slotId, FEE);
        vm.warp(block.timestamp + 2 days);
        vm.expectRevert(abi.encodeWithSelector(Appointments.Appointments__NotPayer.selector, slotId, other));
        vm.prank(other);
        appointments.confirmAttendance(slotId);
    }

    function test_attendanceEndsWithTheGracePeriodAndBlocksANoShow() public {
        uint256 slotId = _publish(2 days, FEE);
        _book(patient, slotId, FEE);
        vm.prank(doctor);
        appointments.confirm(slotId);
        uint256 deadline = block.timestamp + 2 days + 30 minutes + appointments.GRACE_PERIOD();
        vm.warp(deadline);
        vm.expectRevert(abi.encodeWithSelector(Appointments.Appointments__TooLate.selector, slotId, deadline));
        vm.prank(patient);
        appointments.confirmAttendance(slotId);
        vm.warp(deadline - 1);
        vm.prank(patient);
        appointments.confirmAttendance(slotId);
        vm.warp(deadline + 1);
        vm.expectRevert(
            abi.encodeWithSelector(Appointments.Appointments__WrongStatus.selector, slotId, Appointments.Status.Attended)
        );
        vm.prank(doctor);
        appointments.claimNoShow(slotId);
        vm.expectRevert(
            abi.encodeWithSelector(Appointments.Appointments__WrongStatus.selector, slotId, Appointments.Status.Attended)
        );
        appointments.refundUnconfirmed(slotId);
        vm.prank(doctor);
        appointments.complete(slotId);
        assertEq(appointments.withdrawable(doctor), FEE, "doctor paid for the attended visit");
    }

    function test_aDoctorMayStillCancelAnAttendedVisit() public {
        uint256 slotId = _publish(2 days, FEE);
        _book(patient, slotId, FEE);
        vm.warp(block.timestamp + 2 days);
        vm.prank(patient);
        appointments.confirmAttendance(slotId);
        vm.prank(doctor);
        appointments.cancelByDoctor(slotId);
        assertEq(appointments.withdrawable(patient), FEE, "refund is exact");
    }

    function test_aPatientsCancellationReopensTheSlot() public {
        uint256 slotId = _publish(10 days, FEE);
        _book(patient, slotId, FEE);
        vm.prank(patient);
        appointments.cancelByPatient(slotId);
        Appointments.Slot memory slot = appointments.getSlot(slotId);
        assertEq(uint256(slot.status), uint256(Appointments.Status.Open), "open again");
        assertEq(slot.payer, address(0), "no payer");
        vm.expectRevert(abi.encodeWithSelector(Appointments.Appointments__NotPayer.selector, slotId, patient));
        vm.prank(patient);
        appointments.cancelByPatient(slotId);
        _book(address(0xB002), slotId, FEE);
        assertEq(appointments.getSlot(slotId).payer, address(0xB002), "someone else booked it");
        assertEq(appointments.withdrawable(patient), FEE, "the first patient's refund stays");
        assertEq(appointments.escrowTotal(), FEE, "one fee in escrow");
    }

    // ------------------------------------------------------------- storage

    /// escrowTotal shares slotCount's storage word (so no booking writes it from zero):
    /// each getter still reads its own true value, and the ETH invariant holds.
    function testFuzz_slotCountAndEscrowTotalShareAWordAndReadTrue(uint96 first, uint96 second) public {
        assertEq(uint256(vm.load(address(appointments), bytes32(0))), 0, "the word starts empty");
        uint256 a = _publish(10 days, first);
        _book(patient, a, first);
        uint256 b = _publish(11 days, second);
        assertEq(appointments.slotCount(), 2, "slot count after a booking");
        assertEq(appointments.escrowTotal(), first, "escrow after a publish");
        _book(address(0xB002), b, second);
        assertEq(appointments.escrowTotal(), uint256(first) + second, "both fees in escrow");
        assertEq(uint256(vm.load(address(appointments), bytes32(0))), 2 | ((uint256(first) + second) << 64), "one word");
        vm.prank(patient);
        appointments.cancelByPatient(a);
        vm.prank(doctor);
        appointments.cancelByDoctor(b);
        assertEq(appointments.escrowTotal(), 0, "escrow drained");
        assertEq(appointments.slotCount(), 2, "slot count kept");
        assertEq(uint256(vm.load(address(appointments), bytes32(0))), 2, "the word stays non-zero");
        assertEq(address(appointments).balance, appointments.escrowTotal() + appointments.owedTotal(), "ETH invariant");
        assertEq(appointments.owedTotal(), uint256(first) + second, "both refunds owed");
        assertEq(_publish(12 days, first), 3, "the next id");
        assertEq(appointments.escrowTotal(), 0, "escrow untouched by a publish");
    }

    // --------------------------------------------------------- reentrancy

    function test_aReentrantPatientTakesOnlyItsDue() public {
        ReentrantPatient attacker = new ReentrantPatient(appointments);
        uint256 first = _publish(10 days, FEE);
        uint256 second = _publish(10 days, FEE);
        _book(patient, second, FEE); // someone else's money sits in escrow
        vm.deal(address(attacker), FEE);
        attacker.bookAndCancel(first, FEE);
        attacker.withdraw();
        assertEq(address(attacker).balance, FEE, "got exactly its refund");
        assertTrue(attacker.reentries() > 0, "it did try to re-enter");
        assertEq(attacker.reentrySucceeded(), false, "no re-entry went through");
        assertEq(address(appointments).balance, FEE, "the other escrow is intact");
    }
}

// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.24;

import {Test} from "../lib/Test.sol";
import {Appointments} from "../../Appointments.sol";
import {Insurance} from "../../Insurance.sol";
import {IInsurance} from "../../interfaces/IInsurance.sol";
import {EligibilityVerifierDouble} from "./EligibilityVerifierDouble.sol";
import {ReentrantPatient} from "./ReentrantPatient.sol";

/// @notice Drives Appointments and Insurance with random but well-formed actions for
/// the invariant tests, and keeps ghost counts the contracts do not (how many live
/// bookings a slot holds at once, how often a nullifier is spent at once, whether any
/// refund was off by a wei, whether a refund kept a visit or a settlement gave one back,
/// whether a visit was completed without the patient's attendance).
contract PaymentsHandler is Test {
    Appointments internal immutable appointments;
    Insurance internal immutable insurance;
    EligibilityVerifierDouble internal immutable verifier;
    address internal immutable doctor;
    address internal immutable insurer;
    uint256 internal immutable planId;

    address[] public actors;
    uint256[] public slotIds;
    uint256[] internal _nullifiers;
    /// @dev Bookings of a slot not yet settled, refunded or cancelled (at most one, always).
    mapping(uint256 slotId => uint256) public timesBooked;
    /// @dev Spends of a nullifier not given back by a refund.
    mapping(uint256 nullifier => uint256) public timesSpent;
    mapping(uint256 slotId => uint256) internal _slotNullifier;
    uint256 public visitsKeptByRefunds;
    uint256 public visitsGivenBackBySettlement;
    uint256 public completedWithoutAttendance;
    uint256 public cancelledButNotReopened;
    uint256 public maxTimesBooked;
    uint256 public maxTimesSpent;
    uint256 public inexactRefunds;
    uint256 public inexactWithdrawals;
    uint256 public calls;

    constructor(
        Appointments appointments_,
        Insurance insurance_,
        EligibilityVerifierDouble verifier_,
        address doctor_,
        address insurer_,
        uint256 planId_,
        ReentrantPatient attacker
    ) {
        (appointments, insurance, verifier) = (appointments_, insurance_, verifier_);
        (doctor, insurer, planId) = (doctor_, insurer_, planId_);
        actors.push(address(0xB001));
        actors.push(address(0xB002));
        actors.push(address(0xB003));
        actors.push(address(attacker));
    }

    // ---------------------------------------------------------------- actions

    function publish(uint256 startsIn, uint96 fee) external {
        startsIn = bound(startsIn, 1 hours, 20 days);
        fee = uint96(bound(fee, 0, 2 ether));
        vm.prank(doctor);
        slotIds.push(appointments.publishSlot(uint40(block.timestamp + startsIn), 1 hours, fee));
        ++calls;
    }

    function book(uint256 actorSeed, uint256 slotSeed, bool wrongFee) external {
        if (slotIds.length == 0) return;
        (address actor, uint256 slotId) = (_actor(actorSeed), _slotId(slotSeed));
        uint256 value = appointments.getSlot(slotId).fee + (wrongFee ? 1 : 0);
        vm.deal(actor, actor.balance + value);
        vm.prank(actor);
        try appointments.book{value: value}(slotId) {
            _booked(slotId);
        } catch {}
    }

    function bookCovered(uint256 actorSeed, uint256 slotSeed, uint256 nullifierSeed, bool reuse) external {
        if (slotIds.length == 0) return;
        (address actor, uint256 slotId) = (_actor(actorSeed), _slotId(slotSeed));
        uint256 nullifier = reuse && _nullifiers.length > 0
            ? _nullifiers[nullifierSeed % _nullifiers.length]
            : uint256(keccak256(abi.encode(nullifierSeed, calls)));
        Appointments.Slot memory slot = appointments.getSlot(slotId);
        uint256 topUp = slot.fee > insurance.plan(planId).feeCovered ? slot.fee - insurance.plan(planId).feeCovered : 0;
        IInsurance.CoverClaim memory cover = _cover(nullifier, slotId, slot, actor);
        vm.deal(actor, actor.balance + topUp);
        vm.prank(actor);
        try appointments.bookCovered{value: topUp}(slotId, cover) {
            _booked(slotId);
            _nullifiers.push(nullifier);
            _slotNullifier[slotId] = nullifier;
            uint256 spent = ++timesSpent[nullifier];
            if (spent > maxTimesSpent) maxTimesSpent = spent;
        } catch {}
    }

    function doctorActs(uint256 slotSeed, uint8 action) external {
        if (slotIds.length == 0) return;
        uint256 slotId = _slotId(slotSeed);
        uint256 owedBefore = appointments.withdrawable(doctor);
        Appointments.Slot memory slot = appointments.getSlot(slotId);
        vm.startPrank(doctor);
        action %= 4;
        if (action == 0) {
            try appointments.confirm(slotId) {} catch {}
        } else if (action == 1) {
            try appointments.complete(slotId) {
                if (appointments.withdrawable(doctor) - owedBefore != slot.fee) ++inexactRefunds;
                if (slot.status != Appointments.Status.Attended) ++completedWithoutAttendance;
                _settled(slotId, slot);
            } catch {}
        } else if (action == 2) {
            try appointments.claimNoShow(slotId) {
                if (appointments.withdrawable(doctor) - owedBefore != slot.fee) ++inexactRefunds;
                _settled(slotId, slot);
            } catch {}
        } else {
            vm.stopPrank();
            _refunding(slotId, slot, this.cancelAsDoctor);
        }
        vm.stopPrank();
        ++calls;
    }

    function patientCancels(uint256 slotSeed) external {
        if (slotIds.length == 0) return;
        uint256 slotId = _slotId(slotSeed);
        Appointments.Slot memory slot = appointments.getSlot(slotId);
        _refunding(slotId, slot, this.cancelAsPatient);
    }

    function patientAttends(uint256 slotSeed) external {
        if (slotIds.length == 0) return;
        uint256 slotId = _slotId(slotSeed);
        vm.prank(appointments.getSlot(slotId).payer);
        try appointments.confirmAttendance(slotId) {} catch {}
        ++calls;
    }

    function refundUnconfirmed(uint256 slotSeed) external {
        if (slotIds.length == 0) return;
        uint256 slotId = _slotId(slotSeed);
        _refunding(slotId, appointments.getSlot(slotId), this.refundAsAnyone);
    }

    function withdraw(uint256 actorSeed) external {
        address actor = actorSeed % 5 == 4 ? doctor : _actor(actorSeed);
        uint256 owed = appointments.withdrawable(actor);
        uint256 before = actor.balance;
        vm.prank(actor);
        try appointments.withdraw() {
            if (actor.balance - before != owed) ++inexactWithdrawals;
        } catch {}
    }

    function enrol(uint256 leaf) external {
        vm.prank(insurer);
        try insurance.enrol(bound(leaf, 1, 1e70)) {} catch {}
    }

    function fund(uint96 amount) external {
        amount = uint96(bound(amount, 1, 5 ether));
        vm.deal(address(this), address(this).balance + amount);
        insurance.fund{value: amount}(insurer);
    }

    function withdrawUnreserved(uint256 amount) external {
        amount = bound(amount, 1, insurance.poolOf(insurer) + 1);
        uint256 before = insurer.balance;
        vm.prank(insurer);
        try insurance.withdrawUnreserved(amount) {
            if (insurer.balance - before != amount) ++inexactWithdrawals;
        } catch {}
    }

    function warp(uint256 seconds_) external {
        vm.warp(block.timestamp + bound(seconds_, 0, 4 days));
    }

    /// @dev Called through `this` so a revert undoes only the attempt.
    function cancelAsDoctor(uint256 slotId) external {
        // Only through _refunding (this.…), which keeps the books; the fuzzer calling it directly would not.
        if (msg.sender != address(this)) return;
        vm.prank(doctor);
        appointments.cancelByDoctor(slotId);
    }

    function cancelAsPatient(uint256 slotId) external {
        // Only through _refunding (this.…), which keeps the books; the fuzzer calling it directly would not.
        if (msg.sender != address(this)) return;
        vm.prank(appointments.getSlot(slotId).payer);
        appointments.cancelByPatient(slotId);
    }

    function refundAsAnyone(uint256 slotId) external {
        // Only through _refunding (this.…), which keeps the books; the fuzzer calling it directly would not.
        if (msg.sender != address(this)) return;
        appointments.refundUnconfirmed(slotId);
    }

    // ------------------------------------------------------------------ sums

    function slotCount() external view returns (uint256) {
        return slotIds.length;
    }

    function actorCount() external view returns (uint256) {
        return actors.length;
    }

    // -------------------------------------------------------------- internal

    /// @dev Runs a refunding action and checks the payer got exactly what it paid and
    /// the pool exactly what it covered.
    function _refunding(uint256 slotId, Appointments.Slot memory slot, function(uint256) external action) private {
        uint256 payerBefore = appointments.withdrawable(slot.payer);
        uint256 poolBefore = insurance.poolOf(insurer);
        try action(slotId) {
            if (slot.status == Appointments.Status.Open) return;
            uint256 paid = slot.fee - slot.covered;
            if (appointments.withdrawable(slot.payer) - payerBefore != paid) ++inexactRefunds;
            if (insurance.poolOf(insurer) - poolBefore != slot.covered) ++inexactRefunds;
            timesBooked[slotId] = 0;
            if (slot.covered != 0) {
                uint256 nullifier = _slotNullifier[slotId];
                if (insurance.nullifierUsed(nullifier)) ++visitsKeptByRefunds;
                else --timesSpent[nullifier];
            }
            if (action.selector == this.cancelAsPatient.selector) {
                Appointments.Slot memory after_ = appointments.getSlot(slotId);
                if (after_.status != Appointments.Status.Open || after_.payer != address(0)) ++cancelledButNotReopened;
            }
        } catch {}
        ++calls;
    }

    function _cover(uint256 nullifier, uint256 slotId, Appointments.Slot memory slot, address payer)
        private
        view
        returns (IInsurance.CoverClaim memory cover)
    {
        Insurance.Plan memory p = insurance.plan(planId);
        uint256 root = insurance.memberRoot(insurer);
        uint256[5] memory signals = [
            nullifier,
            root,
            planId | ((uint256(slot.start) / p.periodLength) << 64) | (uint256(slot.start) << 128)
                | (uint256(p.visitsPerPeriod) << 192),
            insurance.bookingHash(slotId, slot.doctor, address(appointments), payer),
            insurance.nullifierDomain()
        ];
        (cover.planId, cover.root, cover.depth, cover.nullifier) = (planId, root, insurance.memberDepth(insurer), nullifier);
        cover.proof.pA[0] = verifier.proofFor(signals, cover.depth);
    }

    /// @dev A booking settled for the doctor: its covered visit stays spent.
    function _settled(uint256 slotId, Appointments.Slot memory slot) private {
        timesBooked[slotId] = 0;
        if (slot.covered != 0 && !insurance.nullifierUsed(_slotNullifier[slotId])) ++visitsGivenBackBySettlement;
    }

    function _booked(uint256 slotId) private {
        uint256 times = ++timesBooked[slotId];
        if (times > maxTimesBooked) maxTimesBooked = times;
        ++calls;
    }

    function _actor(uint256 seed) private view returns (address) {
        return actors[seed % actors.length];
    }

    function _slotId(uint256 seed) private view returns (uint256) {
        return slotIds[seed % slotIds.length];
    }

    receive() external payable {}
}

// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.24;

import {Appointments} from "../Appointments.sol";
import {PaymentsFixture} from "./handlers/PaymentsFixture.sol";
import {PaymentsHandler} from "./handlers/PaymentsHandler.sol";
import {ReentrantPatient} from "./handlers/ReentrantPatient.sol";

/// @notice Money and uniqueness invariants of Appointments + Insurance under random
/// sequences of bookings (paid and covered), cancellations, settlements and withdrawals.
contract AppointmentsInvariantsTest is PaymentsFixture {
    PaymentsHandler internal handler;
    ReentrantPatient internal attacker;

    function setUp() public {
        _deployWithDouble();
        uint256 planId = _plan(0.3 ether, 3);
        _enrol(0x1234);
        _fund(10 ether);
        attacker = new ReentrantPatient(appointments);
        handler = new PaymentsHandler(appointments, insurance, verifierDouble, doctor, insurer, planId, attacker);
    }

    /// @dev forge reads the fuzzing targets from this (forge-std's StdInvariant shape).
    function targetContracts() public view returns (address[] memory targets) {
        targets = new address[](1);
        targets[0] = address(handler);
    }

    /// forge-config: default.invariant.runs = 48
    /// forge-config: default.invariant.depth = 60
    function invariant_etherIsEscrowPlusPoolsPlusWithdrawable() public view {
        assertEq(
            address(appointments).balance + address(insurance).balance,
            appointments.escrowTotal() + appointments.owedTotal() + insurance.poolOf(insurer),
            "combined balance"
        );
        assertEq(address(insurance).balance, insurance.poolOf(insurer), "insurance balance is its pool");
    }

    /// forge-config: default.invariant.runs = 48
    /// forge-config: default.invariant.depth = 60
    function invariant_totalsMatchTheSlotsAndAccounts() public view {
        uint256 escrow;
        uint256 cover;
        for (uint256 i = 0; i < handler.slotCount(); ++i) {
            Appointments.Slot memory slot = appointments.getSlot(handler.slotIds(i));
            if (
                slot.status == Appointments.Status.Booked || slot.status == Appointments.Status.Confirmed
                    || slot.status == Appointments.Status.Attended
            ) {
                escrow += slot.fee;
                cover += slot.covered;
            }
        }
        assertEq(appointments.escrowTotal(), escrow, "escrow is the fees of unsettled bookings");
        assertEq(appointments.coverInEscrow(insurer), cover, "cover in escrow");
        uint256 owed = appointments.withdrawable(doctor);
        for (uint256 i = 0; i < handler.actorCount(); ++i) {
            owed += appointments.withdrawable(handler.actors(i));
        }
        assertEq(appointments.owedTotal(), owed, "owed is the sum of withdrawable balances");
    }

    /// forge-config: default.invariant.runs = 48
    /// forge-config: default.invariant.depth = 60
    function invariant_nothingHappensTwiceAndEveryPaymentIsExact() public view {
        assertLe(handler.maxTimesBooked(), 1, "a slot booked twice at once");
        assertLe(handler.maxTimesSpent(), 1, "a nullifier spent twice without a refund between");
        assertEq(handler.inexactRefunds(), 0, "a refund or payout off by some wei");
        assertEq(handler.inexactWithdrawals(), 0, "a withdrawal paid other than what was owed");
        assertFalse(attacker.reentrySucceeded(), "a re-entrant receiver got through");
    }

    /// forge-config: default.invariant.runs = 48
    /// forge-config: default.invariant.depth = 60
    function invariant_visitsComeBackOnlyWithRefundsAndCompletionNeedsAttendance() public view {
        assertEq(handler.visitsKeptByRefunds(), 0, "a refunded covered booking kept the member's visit");
        assertEq(handler.visitsGivenBackBySettlement(), 0, "a settled covered booking gave the visit back");
        assertEq(handler.completedWithoutAttendance(), 0, "a visit completed that the patient never confirmed attending");
        assertEq(handler.cancelledButNotReopened(), 0, "a patient's cancellation left the slot closed");
    }
}

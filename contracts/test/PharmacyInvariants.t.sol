// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.24;

import {Pharmacy} from "../Pharmacy.sol";
import {PharmacyFixture} from "./handlers/PharmacyFixture.sol";
import {PharmacyHandler} from "./handlers/PharmacyHandler.sol";

/// @notice Money and counting invariants of Pharmacy (+ Insurance's prescription cover)
/// under random sequences of prescriptions, dispenses, payments and withdrawals.
contract PharmacyInvariantsTest is PharmacyFixture {
    PharmacyHandler internal handler;

    function setUp() public {
        _deployPharmacy();
        uint256 planId = _plan(0.05 ether, 3);
        _setRxCover(planId, 0.3 ether, 200);
        uint256 root = _enrol(0x1234);
        _fund(50 ether);
        address[] memory pharmacists = new address[](2);
        (pharmacists[0], pharmacists[1]) = (pharmacist, otherPharmacist);
        handler = new PharmacyHandler(pharmacy, insurance, verifierDouble, DOCTOR_KEY, planId, root, pharmacists);
    }

    /// @dev forge reads the fuzzing targets from this (forge-std's StdInvariant shape).
    function targetContracts() public view returns (address[] memory targets) {
        targets = new address[](1);
        targets[0] = address(handler);
    }

    /// forge-config: default.invariant.runs = 48
    /// forge-config: default.invariant.depth = 60
    function invariant_pharmacyBalancesPlusEscrowAreTheContractsEther() public view {
        uint256 balances;
        for (uint256 i = 0; i < handler.pharmacistCount(); ++i) {
            balances += pharmacy.withdrawable(handler.pharmacists(i));
        }
        // No escrow: an invoice's payment is the pharmacist's at once.
        uint256 escrow = 0;
        assertEq(address(pharmacy).balance, balances + escrow, "ether is balances + escrow");
        assertEq(pharmacy.owedTotal(), balances, "owedTotal is the sum of balances");
        assertEq(address(insurance).balance, insurance.poolOf(insurer), "insurance balance is its pool");
    }

    /// forge-config: default.invariant.runs = 48
    /// forge-config: default.invariant.depth = 60
    function invariant_neverMoreDispensesThanRepeatsPlusOne() public view {
        assertEq(handler.dispensedPastRepeats(), 0, "a prescription dispensed past its repeats");
    }

    /// forge-config: default.invariant.runs = 48
    /// forge-config: default.invariant.depth = 60
    function invariant_anInvoiceIsPaidOnceAndExactly() public view {
        assertLe(handler.maxTimesPaid(), 1, "an invoice paid twice");
        assertEq(handler.inexactPayments(), 0, "an invoice paid for another amount");
        assertEq(handler.inexactWithdrawals(), 0, "a withdrawal paid other than what was owed");
        for (uint256 i = 0; i < handler.invoiceCount(); ++i) {
            uint256 invoiceId = handler.invoiceIds(i);
            Pharmacy.Invoice memory inv = pharmacy.invoice(invoiceId);
            uint256 credited = handler.creditedFor(invoiceId);
            assertEq(credited, inv.status == Pharmacy.InvoiceStatus.Open ? 0 : uint256(inv.amount), "credited");
        }
    }
}

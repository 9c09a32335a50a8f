// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.24;

import {Test} from "../lib/Test.sol";
import {Pharmacy} from "../../Pharmacy.sol";
import {Insurance} from "../../Insurance.sol";
import {IInsurance} from "../../interfaces/IInsurance.sol";
import {EligibilityVerifierDouble} from "./EligibilityVerifierDouble.sol";
import {VmSign} from "./PharmacyFixture.sol";

/// @notice Drives Pharmacy (and Insurance's prescription cover) with random but
/// well-formed actions for the invariant tests: dispenses of a few prescriptions by two
/// pharmacists (valid, replayed, expired), payments exact or off by some wei, covered
/// payments with fresh or reused nullifiers, withdrawals and time passing. Ghost counts
/// keep what the contract does not: successful dispenses per prescription, payments per
/// invoice, any payment or withdrawal off by a wei.
contract PharmacyHandler is Test {
    VmSign internal constant signer = VmSign(address(uint160(uint256(keccak256("hevm cheat code")))));

    Pharmacy internal immutable pharmacy;
    Insurance internal immutable insurance;
    EligibilityVerifierDouble internal immutable verifier;
    uint256 internal immutable doctorKey;
    uint256 internal immutable planId;
    uint256 internal immutable root;

    address[] public pharmacists;
    Pharmacy.Prescription[] internal _prescriptions;
    bytes[] internal _signatures;
    uint256[] public invoiceIds;
    uint256[] internal _nullifiers;
    mapping(bytes32 rxHash => uint256) public timesDispensed;
    mapping(uint256 invoiceId => uint256) public timesPaid;
    mapping(uint256 invoiceId => uint256) public creditedFor;
    uint256 public dispensedPastRepeats;
    uint256 public maxTimesPaid;
    uint256 public inexactPayments;
    uint256 public inexactWithdrawals;
    uint256 public calls;

    constructor(
        Pharmacy pharmacy_,
        Insurance insurance_,
        EligibilityVerifierDouble verifier_,
        uint256 doctorKey_,
        uint256 planId_,
        uint256 root_,
        address[] memory pharmacists_
    ) {
        (pharmacy, insurance, verifier, doctorKey, planId, root) =
            (pharmacy_, insurance_, verifier_, doctorKey_, planId_, root_);
        pharmacists = pharmacists_;
    }

    function prescribe(uint8 repeats, uint32 validFor) external {
        if (_prescriptions.length >= 8) return;
        Pharmacy.Prescription memory rx = Pharmacy.Prescription(
            keccak256(abi.encode("rx", _prescriptions.length)),
            uint8(bound(repeats, 0, 4)),
            uint64(block.timestamp + bound(validFor, 1 hours, 20 days)),
            uint64(block.timestamp)
        );
        (uint8 v, bytes32 r, bytes32 s) = signer.sign(doctorKey, pharmacy.prescriptionDigest(rx));
        _prescriptions.push(rx);
        _signatures.push(abi.encodePacked(r, s, v));
        ++calls;
    }

    function dispense(uint256 rxSeed, uint256 pharmacistSeed, uint72 price) external {
        if (_prescriptions.length == 0) return;
        uint256 i = rxSeed % _prescriptions.length;
        Pharmacy.Prescription memory rx = _prescriptions[i];
        price = uint72(bound(price, 0, 1 ether));
        vm.prank(pharmacists[pharmacistSeed % pharmacists.length]);
        try pharmacy.dispense(rx, _signatures[i], price) returns (uint256 invoiceId) {
            invoiceIds.push(invoiceId);
            if (++timesDispensed[rx.rxHash] > uint256(rx.repeats) + 1) ++dispensedPastRepeats;
        } catch {}
        ++calls;
    }

    function pay(uint256 invoiceSeed, uint256 payerSeed, int8 offBy) external {
        if (invoiceIds.length == 0) return;
        uint256 invoiceId = invoiceIds[invoiceSeed % invoiceIds.length];
        Pharmacy.Invoice memory inv = pharmacy.invoice(invoiceId);
        uint256 value = uint256(inv.amount);
        if (offBy > 0) value += uint8(offBy);
        else if (offBy < 0 && value >= uint256(-int256(offBy))) value -= uint256(-int256(offBy));
        address payer = address(uint160(0xB000 + payerSeed % 4));
        vm.deal(payer, payer.balance + value);
        uint256 owedBefore = pharmacy.withdrawable(inv.pharmacist);
        vm.prank(payer);
        try pharmacy.payInvoice{value: value}(invoiceId) {
            _paid(invoiceId, pharmacy.withdrawable(inv.pharmacist) - owedBefore, inv.amount);
            if (value != inv.amount) ++inexactPayments;
        } catch {}
        ++calls;
    }

    function payCovered(uint256 invoiceSeed, uint256 nullifierSeed, bool reuse, bool shortTopUp) external {
        if (invoiceIds.length == 0) return;
        uint256 invoiceId = invoiceIds[invoiceSeed % invoiceIds.length];
        Pharmacy.Invoice memory inv = pharmacy.invoice(invoiceId);
        uint256 nullifier = reuse && _nullifiers.length > 0
            ? _nullifiers[nullifierSeed % _nullifiers.length]
            : uint256(keccak256(abi.encode(nullifierSeed, calls)));
        address relayer = address(0xC0FE);
        IInsurance.CoverClaim memory cover = _cover(nullifier, invoiceId, inv, relayer);
        (uint96 amountCovered,) = insurance.prescriptionCover(planId);
        uint256 topUp = inv.amount > amountCovered ? inv.amount - amountCovered : 0;
        if (shortTopUp && topUp > 0) --topUp;
        vm.deal(relayer, relayer.balance + topUp);
        uint256 owedBefore = pharmacy.withdrawable(inv.pharmacist);
        vm.prank(relayer);
        try pharmacy.payInvoiceCovered{value: topUp}(invoiceId, cover) {
            _paid(invoiceId, pharmacy.withdrawable(inv.pharmacist) - owedBefore, inv.amount);
            _nullifiers.push(nullifier);
            if (shortTopUp && inv.amount > amountCovered) ++inexactPayments;
        } catch {}
        ++calls;
    }

    function withdraw(uint256 pharmacistSeed) external {
        address pharmacist = pharmacists[pharmacistSeed % pharmacists.length];
        uint256 owed = pharmacy.withdrawable(pharmacist);
        uint256 before = pharmacist.balance;
        vm.prank(pharmacist);
        try pharmacy.withdraw() {
            if (pharmacist.balance - before != owed) ++inexactWithdrawals;
        } catch {}
    }

    function warp(uint256 seconds_) external {
        vm.warp(block.timestamp + bound(seconds_, 0, 3 days));
    }

    function pharmacistCount() external view returns (uint256) {
        return pharmacists.length;
    }

    function invoiceCount() external view returns (uint256) {
        return invoiceIds.length;
    }

    function _paid(uint256 invoiceId, uint256 credited, uint256 amount) internal {
        uint256 paid = ++timesPaid[invoiceId];
        if (paid > maxTimesPaid) maxTimesPaid = paid;
        if (credited != amount) ++inexactPayments;
        creditedFor[invoiceId] += credited;
    }

    function _cover(uint256 nullifier, uint256 invoiceId, Pharmacy.Invoice memory inv, address payer)
        internal
        view
        returns (IInsurance.CoverClaim memory cover)
    {
        (, uint32 perPeriod) = insurance.prescriptionCover(planId);
        uint256 date = uint256(inv.day) * 1 days;
        Insurance.Plan memory p = insurance.plan(planId);
        uint256 terms = planId | ((date / p.periodLength) << 64) | (date << 128) | (uint256(perPeriod) << 192);
        uint256[5] memory signals = [
            nullifier,
            root,
            terms,
            insurance.prescriptionCoverHash(invoiceId, inv.pharmacist, address(pharmacy), payer),
            insurance.prescriptionNullifierDomain()
        ];
        (cover.planId, cover.root, cover.nullifier) = (planId, root, nullifier);
        cover.depth = insurance.memberDepth(p.insurer);
        cover.proof.pA[0] = verifier.proofFor(signals, cover.depth);
    }

    receive() external payable {}
}

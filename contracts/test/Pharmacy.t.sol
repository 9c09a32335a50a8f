// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.24;

import {Pharmacy} from "../Pharmacy.sol";
import {Insurance} from "../Insurance.sol";
import {IInsurance} from "../interfaces/IInsurance.sol";
import {PharmacyFixture} from "./handlers/PharmacyFixture.sol";

contract PharmacyTest is PharmacyFixture {
    uint96 internal constant PRICE = 0.02 ether;
    address internal relayer = address(0xC0FE);

    function setUp() public {
        _deployPharmacy();
    }

    // -------------------------------------------------------------- dispense

    function test_rolesMatchTheRegistry() public view {
        assertEq(pharmacy.DOCTOR_ROLE(), registry.DOCTOR_ROLE(), "doctor role");
        assertEq(pharmacy.PHARMACIST_ROLE(), registry.PHARMACIST_ROLE(), "pharmacist role");
    }

    function testFuzz_dispenseOpensAnInvoiceOfExactlyThePrice(bytes32 rxHash, uint72 price) public {
        Pharmacy.Prescription memory rx = _rx(rxHash, 0);
        vm.expectEmit(true, true, true, true, address(pharmacy));
        emit Pharmacy.Dispensed(rxHash, 1, pharmacist, 1, price);
        uint256 invoiceId = _dispense(pharmacist, rx, _sign(DOCTOR_KEY, rx), price);
        Pharmacy.Invoice memory inv = pharmacy.invoice(invoiceId);
        assertEq(inv.pharmacist, pharmacist, "pharmacist");
        assertEq(uint256(inv.amount), uint256(price), "amount");
        assertEq(uint256(inv.day), block.timestamp / 1 days, "day");
        assertEq(uint256(inv.status), uint256(Pharmacy.InvoiceStatus.Open), "open");
        assertEq(pharmacy.dispenseCount(rxHash), 1, "counted");
    }

    function testFuzz_neverMoreDispensesThanRepeatsPlusOne(bytes32 rxHash, uint8 repeats, uint8 attempts) public {
        repeats = uint8(bound(repeats, 0, 20));
        attempts = uint8(bound(attempts, 1, 30));
        Pharmacy.Prescription memory rx = _rx(rxHash, repeats);
        bytes memory signature = _sign(DOCTOR_KEY, rx);
        uint256 done;
        for (uint256 i = 0; i < attempts; ++i) {
            // Alternate pharmacies: the count is the prescription's, wherever it is dispensed.
            address by = i % 2 == 0 ? pharmacist : otherPharmacist;
            if (done == uint256(repeats) + 1) {
                vm.expectRevert(
                    abi.encodeWithSelector(Pharmacy.Pharmacy__NoDispensesLeft.selector, rxHash, uint256(repeats) + 1)
                );
                _dispense(by, rx, signature, PRICE);
            } else {
                _dispense(by, rx, signature, PRICE);
                ++done;
            }
        }
        assertLe(pharmacy.dispenseCount(rxHash), uint256(repeats) + 1, "dispensed past its repeats");
        assertEq(pharmacy.dispenseCount(rxHash), done, "count");
    }

    function test_raisingRepeatsInTheCalldataBreaksTheSignature() public {
        Pharmacy.Prescription memory rx = _rx(keccak256("rx"), 0);
        bytes memory signature = _sign(DOCTOR_KEY, rx);
        _dispense(pharmacist, rx, signature, PRICE);
        rx.repeats = 5;
        address forgedSigner = _recover(rx, signature);
        vm.expectRevert(abi.encodeWithSelector(Pharmacy.Pharmacy__NotDoctor.selector, forgedSigner));
        _dispense(pharmacist, rx, signature, PRICE);
    }

    function testFuzz_onlyCurrentPharmacistsDispense(address caller) public {
        vm.assume(caller != pharmacist && caller != otherPharmacist);
        Pharmacy.Prescription memory rx = _rx(keccak256("rx"), 0);
        bytes memory signature = _sign(DOCTOR_KEY, rx);
        vm.expectRevert(abi.encodeWithSelector(Pharmacy.Pharmacy__NotPharmacist.selector, caller));
        _dispense(caller, rx, signature, PRICE);
        vm.prank(pharmacyCouncil);
        registry.decertify(keccak256("PHARMACIST"), pharmacist);
        vm.expectRevert(abi.encodeWithSelector(Pharmacy.Pharmacy__NotPharmacist.selector, pharmacist));
        _dispense(pharmacist, rx, signature, PRICE);
    }

    function test_aPrescriptionSignedByANonDoctorIsRefused() public {
        Pharmacy.Prescription memory rx = _rx(keccak256("rx"), 0);
        bytes memory byStranger = _sign(STRANGER_KEY, rx);
        vm.expectRevert(abi.encodeWithSelector(Pharmacy.Pharmacy__NotDoctor.selector, vm.addr(STRANGER_KEY)));
        _dispense(pharmacist, rx, byStranger, PRICE);
        // A pharmacist is no doctor either: certified, but for another role.
        vm.prank(pharmacyCouncil);
        registry.certify(keccak256("PHARMACIST"), vm.addr(0xF00D));
        bytes memory byPharmacist = _sign(0xF00D, rx);
        vm.expectRevert(abi.encodeWithSelector(Pharmacy.Pharmacy__NotDoctor.selector, vm.addr(0xF00D)));
        _dispense(pharmacist, rx, byPharmacist, PRICE);
    }

    function testFuzz_aForgedPrescriptionIsRefused(bytes32 rxHash, bytes32 otherHash) public {
        vm.assume(rxHash != otherHash);
        Pharmacy.Prescription memory signed = _rx(rxHash, 1);
        bytes memory signature = _sign(DOCTOR_KEY, signed);
        Pharmacy.Prescription memory forged = _rx(otherHash, 1);
        vm.expectRevert(abi.encodeWithSelector(Pharmacy.Pharmacy__NotDoctor.selector, _recover(forged, signature)));
        _dispense(pharmacist, forged, signature, PRICE);
    }

    function test_aDamagedSignatureIsRefused() public {
        Pharmacy.Prescription memory rx = _rx(keccak256("rx"), 0);
        vm.expectRevert(Pharmacy.Pharmacy__BadSignature.selector);
        _dispense(pharmacist, rx, hex"1234", PRICE);
        bytes memory signature = _sign(DOCTOR_KEY, rx);
        signature[64] = bytes1(uint8(5)); // v neither 27 nor 28
        vm.expectRevert(Pharmacy.Pharmacy__BadSignature.selector);
        _dispense(pharmacist, rx, signature, PRICE);
    }

    function test_aDecertifiedDoctorsPrescriptionIsRefusedFromThenOn() public {
        Pharmacy.Prescription memory rx = _rx(keccak256("rx"), 3);
        bytes memory signature = _sign(DOCTOR_KEY, rx);
        _dispense(pharmacist, rx, signature, PRICE);
        vm.prank(medical);
        registry.decertify(keccak256("DOCTOR"), rxDoctor);
        vm.expectRevert(abi.encodeWithSelector(Pharmacy.Pharmacy__NotDoctor.selector, rxDoctor));
        _dispense(pharmacist, rx, signature, PRICE);
    }

    function test_anExpiredPrescriptionIsRefused() public {
        Pharmacy.Prescription memory rx = _rx(keccak256("rx"), 3);
        bytes memory signature = _sign(DOCTOR_KEY, rx);
        vm.warp(rx.notAfter);
        _dispense(pharmacist, rx, signature, PRICE); // valid through its last second
        vm.warp(uint256(rx.notAfter) + 1);
        vm.expectRevert(abi.encodeWithSelector(Pharmacy.Pharmacy__Expired.selector, rx.rxHash, uint256(rx.notAfter)));
        _dispense(pharmacist, rx, signature, PRICE);
    }

    function test_aSignatureForAnotherDeploymentIsRefused() public {
        Pharmacy.Prescription memory rx = _rx(keccak256("rx"), 0);
        bytes memory signature = _sign(DOCTOR_KEY, rx);
        vm.chainId(1);
        vm.expectRevert(abi.encodeWithSelector(Pharmacy.Pharmacy__NotDoctor.selector, _recover(rx, signature)));
        _dispense(pharmacist, rx, signature, PRICE);
    }

    function test_aPriceBeyondAnInvoiceIsRefused() public {
        Pharmacy.Prescription memory rx = _rx(keccak256("rx"), 0);
        bytes memory signature = _sign(DOCTOR_KEY, rx);
        uint256 price = uint256(type(uint72).max) + 1;
        vm.expectRevert(abi.encodeWithSelector(Pharmacy.Pharmacy__PriceTooHigh.selector, price));
        _dispense(pharmacist, rx, signature, price);
    }

    // ------------------------------------------------------------ payInvoice

    function testFuzz_anInvoiceIsPaidExactlyAndOnce(uint72 price, uint256 sent, address payer) public {
        vm.assume(payer.code.length == 0 && uint160(payer) > 0xFFFF);
        sent = bound(sent, 0, 1e30);
        uint256 invoiceId = _dispenseOne(keccak256(abi.encode(price)), price);
        vm.deal(payer, 1e31);
        if (sent != price) {
            vm.expectRevert(abi.encodeWithSelector(Pharmacy.Pharmacy__WrongAmount.selector, uint256(price), sent));
            vm.prank(payer);
            pharmacy.payInvoice{value: sent}(invoiceId);
        }
        vm.prank(payer);
        pharmacy.payInvoice{value: price}(invoiceId);
        assertEq(pharmacy.withdrawable(pharmacist), price, "credited");
        assertEq(address(pharmacy).balance, price, "held");
        vm.expectRevert(
            abi.encodeWithSelector(Pharmacy.Pharmacy__InvoiceNotOpen.selector, invoiceId, Pharmacy.InvoiceStatus.Paid)
        );
        vm.prank(payer);
        pharmacy.payInvoice{value: price}(invoiceId);
    }

    function test_oneWeiMoreOrLessIsRefused() public {
        uint256 invoiceId = _dispenseOne(keccak256("rx"), PRICE);
        vm.deal(address(this), 1 ether);
        vm.expectRevert(abi.encodeWithSelector(Pharmacy.Pharmacy__WrongAmount.selector, PRICE, PRICE + 1));
        pharmacy.payInvoice{value: PRICE + 1}(invoiceId);
        vm.expectRevert(abi.encodeWithSelector(Pharmacy.Pharmacy__WrongAmount.selector, PRICE, PRICE - 1));
        pharmacy.payInvoice{value: PRICE - 1}(invoiceId);
        vm.expectRevert(abi.encodeWithSelector(Pharmacy.Pharmacy__UnknownInvoice.selector, 99));
        pharmacy.payInvoice{value: PRICE}(99);
    }

    function test_etherSentDirectlyIsRefused() public {
        vm.deal(address(this), 1 ether);
        (bool ok,) = address(pharmacy).call{value: 1}("");
        assertFalse(ok, "accepted stray ether");
    }

    // -------------------------------------------------------------- withdraw

    function test_thePharmacistWithdrawsWhatTheirInvoicesEarned() public {
        uint256 a = _dispenseOne(keccak256("a"), PRICE);
        uint256 b = _dispenseOne(keccak256("b"), 3 * PRICE);
        vm.deal(address(this), 1 ether);
        pharmacy.payInvoice{value: PRICE}(a);
        pharmacy.payInvoice{value: 3 * PRICE}(b);
        uint256 before = pharmacist.balance;
        vm.prank(pharmacist);
        pharmacy.withdraw();
        assertEq(pharmacist.balance - before, 4 * PRICE, "withdrawn");
        assertEq(address(pharmacy).balance, 0, "emptied");
        assertEq(pharmacy.owedTotal(), 0, "owed");
        vm.expectRevert(abi.encodeWithSelector(Pharmacy.Pharmacy__NothingToWithdraw.selector, pharmacist));
        vm.prank(pharmacist);
        pharmacy.withdraw();
    }

    // --------------------------------------------------------------- covered

    function test_aCoveredPaymentDrawsThePoolAndTakesTheTopUpExactly() public {
        (uint256 planId, uint256 root) = _coverPlan(0.015 ether, 2);
        uint256 invoiceId = _dispenseOne(keccak256("rx"), PRICE);
        IInsurance.CoverClaim memory cover = _rxCover(planId, root, 77, invoiceId, relayer);
        vm.deal(relayer, 1 ether);
        vm.expectRevert(abi.encodeWithSelector(Pharmacy.Pharmacy__WrongAmount.selector, PRICE - 0.015 ether, 0));
        vm.prank(relayer);
        pharmacy.payInvoiceCovered(invoiceId, cover);
        uint256 pool = insurance.poolOf(insurer);
        vm.prank(relayer);
        pharmacy.payInvoiceCovered{value: PRICE - 0.015 ether}(invoiceId, cover);
        assertEq(pool - insurance.poolOf(insurer), 0.015 ether, "pool paid its cover");
        assertEq(pharmacy.withdrawable(pharmacist), PRICE, "pharmacist gets the whole price");
        assertTrue(insurance.nullifierUsed(77), "nullifier spent");
        assertEq(uint256(pharmacy.invoice(invoiceId).status), uint256(Pharmacy.InvoiceStatus.PaidCovered), "paid");
        // Once: neither covered again nor in ETH.
        vm.expectRevert(
            abi.encodeWithSelector(
                Pharmacy.Pharmacy__InvoiceNotOpen.selector, invoiceId, Pharmacy.InvoiceStatus.PaidCovered
            )
        );
        pharmacy.payInvoice{value: PRICE}(invoiceId);
    }

    function test_aCoveredPaymentOnlyFromTheAccountTheProofNames() public {
        (uint256 planId, uint256 root) = _coverPlan(PRICE, 2);
        uint256 invoiceId = _dispenseOne(keccak256("rx"), PRICE);
        IInsurance.CoverClaim memory cover = _rxCover(planId, root, 77, invoiceId, relayer);
        vm.expectRevert(Insurance.Insurance__InvalidProof.selector);
        vm.prank(address(0xBAD));
        pharmacy.payInvoiceCovered(invoiceId, cover);
    }

    function test_aVisitProofDoesNotPayAPrescription() public {
        (uint256 planId, uint256 root) = _coverPlan(PRICE, 2);
        uint256 invoiceId = _dispenseOne(keccak256("rx"), PRICE);
        // Every signal right but the domain: the visits' one.
        uint256[5] memory signals = _rxSignals(planId, root, 77, invoiceId, relayer);
        signals[4] = insurance.nullifierDomain();
        IInsurance.CoverClaim memory cover;
        (cover.planId, cover.root, cover.nullifier) = (planId, root, 77);
        cover.depth = insurance.memberDepth(insurer);
        cover.proof.pA[0] = verifierDouble.proofFor(signals, cover.depth);
        assertTrue(insurance.nullifierDomain() != insurance.prescriptionNullifierDomain(), "domains apart");
        vm.expectRevert(Insurance.Insurance__InvalidProof.selector);
        vm.prank(relayer);
        pharmacy.payInvoiceCovered(invoiceId, cover);
    }

    function test_aPlanCoversPrescriptionsOnlyWhenItsInsurerSaysSo() public {
        uint256 planId = _plan(0.05 ether, 3);
        uint256 root = _enrol(0x1234);
        _fund(1 ether);
        uint256 invoiceId = _dispenseOne(keccak256("rx"), PRICE);
        IInsurance.CoverClaim memory cover = _rxCover(planId, root, 77, invoiceId, relayer);
        vm.expectRevert(abi.encodeWithSelector(Insurance.Insurance__PrescriptionsNotCovered.selector, planId));
        vm.prank(relayer);
        pharmacy.payInvoiceCovered(invoiceId, cover);
        vm.expectRevert(abi.encodeWithSelector(Insurance.Insurance__NotPlanInsurer.selector, planId, address(this)));
        insurance.setPrescriptionCover(planId, PRICE, 1);
        vm.startPrank(insurer);
        vm.expectRevert(abi.encodeWithSelector(Insurance.Insurance__InvalidPlan.selector, "prescriptionCover"));
        insurance.setPrescriptionCover(planId, PRICE, 0);
        vm.expectRevert(abi.encodeWithSelector(Insurance.Insurance__InvalidPlan.selector, "perPeriod"));
        insurance.setPrescriptionCover(planId, PRICE, uint32(256));
        vm.stopPrank();
    }

    function test_aPrescriptionNullifierIsSpentOnce() public {
        (uint256 planId, uint256 root) = _coverPlan(PRICE, 2);
        uint256 a = _dispenseOne(keccak256("a"), PRICE);
        uint256 b = _dispenseOne(keccak256("b"), PRICE);
        IInsurance.CoverClaim memory first = _rxCover(planId, root, 77, a, relayer);
        vm.prank(relayer);
        pharmacy.payInvoiceCovered(a, first);
        IInsurance.CoverClaim memory again = _rxCover(planId, root, 77, b, relayer);
        vm.expectRevert(abi.encodeWithSelector(Insurance.Insurance__NullifierUsed.selector, 77));
        vm.prank(relayer);
        pharmacy.payInvoiceCovered(b, again);
    }

    function test_onlyPharmacyClaimsPrescriptionCoverAndIsBoundOnce() public {
        (uint256 planId, uint256 root) = _coverPlan(PRICE, 2);
        IInsurance.CoverClaim memory cover;
        (cover.planId, cover.root, cover.nullifier) = (planId, root, 77);
        vm.expectRevert(abi.encodeWithSelector(Insurance.Insurance__NotPharmacy.selector, address(this)));
        insurance.claimPrescription(cover, 1, pharmacist, block.timestamp, PRICE, address(this));
        vm.expectRevert(Insurance.Insurance__AlreadyBound.selector);
        insurance.bindPharmacy(address(0xBEEF));
    }

    function test_aFreeInvoiceHasNothingToCover() public {
        (uint256 planId, uint256 root) = _coverPlan(PRICE, 2);
        uint256 invoiceId = _dispenseOne(keccak256("rx"), 0);
        IInsurance.CoverClaim memory cover;
        (cover.planId, cover.root, cover.nullifier) = (planId, root, 77);
        vm.expectRevert(abi.encodeWithSelector(Pharmacy.Pharmacy__NothingToCover.selector, invoiceId));
        pharmacy.payInvoiceCovered(invoiceId, cover);
        pharmacy.payInvoice(invoiceId);
        assertEq(uint256(pharmacy.invoice(invoiceId).status), uint256(Pharmacy.InvoiceStatus.Paid), "paid");
    }

    // --------------------------------------------------------------- helpers

    function _dispenseOne(bytes32 rxHash, uint256 price) internal returns (uint256) {
        Pharmacy.Prescription memory rx = _rx(rxHash, 0);
        return _dispense(pharmacist, rx, _sign(DOCTOR_KEY, rx), price);
    }

    function _coverPlan(uint96 amountCovered, uint32 perPeriod) internal returns (uint256 planId, uint256 root) {
        planId = _plan(0.05 ether, 3);
        _setRxCover(planId, amountCovered, perPeriod);
        root = _enrol(0x1234);
        _fund(1 ether);
    }

    function _recover(Pharmacy.Prescription memory rx, bytes memory signature) internal view returns (address) {
        bytes32 r;
        bytes32 s;
        assembly ("memory-safe") {
            r := mload(add(signature, 0x20))
            s := mload(add(signature, 0x40))
        }
        return ecrecover(pharmacy.prescriptionDigest(rx), uint8(signature[64]), r, s);
    }
}

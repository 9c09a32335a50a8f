// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.24;

import {Pharmacy} from "../../Pharmacy.sol";
import {Insurance} from "../../Insurance.sol";
import {IInsurance} from "../../interfaces/IInsurance.sol";
import {IRoleRegistry} from "../../interfaces/IRoleRegistry.sol";
import {IPrescriptionCover} from "../../interfaces/IPrescriptionCover.sol";
import {PaymentsFixture} from "./PaymentsFixture.sol";

/// @dev The one cheatcode beyond lib/Vm.sol these tests need: an ECDSA signature.
interface VmSign {
    function sign(uint256 privateKey, bytes32 digest) external pure returns (uint8 v, bytes32 r, bytes32 s);
}

/// @notice The payments fixture plus a pharmacy council, a certified pharmacist, the
/// Pharmacy contract bound in Insurance, a doctor with a known key, and helpers to sign
/// prescriptions and to make covered-payment "proofs" for the double verifier.
abstract contract PharmacyFixture is PaymentsFixture {
    VmSign internal constant signer = VmSign(address(uint160(uint256(keccak256("hevm cheat code")))));

    Pharmacy internal pharmacy;
    address internal pharmacyCouncil = address(0xA006);
    address internal pharmacist = address(0xF001);
    address internal otherPharmacist = address(0xF002);
    uint256 internal constant DOCTOR_KEY = 0xD0C;
    uint256 internal constant STRANGER_KEY = 0x5757;
    address internal rxDoctor;

    function _deployPharmacy() internal {
        _deployWithDouble();
        rxDoctor = vm.addr(DOCTOR_KEY);
        vm.prank(registrar);
        registry.appointAuthority(keccak256("PHARMACY_AUTHORITY"), pharmacyCouncil);
        vm.startPrank(pharmacyCouncil);
        registry.certify(keccak256("PHARMACIST"), pharmacist);
        registry.certify(keccak256("PHARMACIST"), otherPharmacist);
        vm.stopPrank();
        _certify(keccak256("DOCTOR"), rxDoctor);
        pharmacy = new Pharmacy(IRoleRegistry(address(registry)), IPrescriptionCover(address(insurance)));
        insurance.bindPharmacy(address(pharmacy));
    }

    function _rx(bytes32 rxHash, uint8 repeats) internal view returns (Pharmacy.Prescription memory) {
        return Pharmacy.Prescription(rxHash, repeats, uint64(block.timestamp + 30 days), uint64(block.timestamp));
    }

    function _sign(uint256 key, Pharmacy.Prescription memory rx) internal view returns (bytes memory) {
        (uint8 v, bytes32 r, bytes32 s) = signer.sign(key, pharmacy.prescriptionDigest(rx));
        return abi.encodePacked(r, s, v);
    }

    function _dispense(address by, Pharmacy.Prescription memory rx, bytes memory signature, uint256 price)
        internal
        returns (uint256 invoiceId)
    {
        vm.prank(by);
        invoiceId = pharmacy.dispense(rx, signature, price);
    }

    /// @dev The public signals Insurance presents for a covered payment of `invoiceId`.
    function _rxSignals(uint256 planId, uint256 root, uint256 nullifier, uint256 invoiceId, address payer)
        internal
        view
        returns (uint256[5] memory)
    {
        Pharmacy.Invoice memory inv = pharmacy.invoice(invoiceId);
        Insurance.Plan memory p = insurance.plan(planId);
        (, uint32 perPeriod) = insurance.prescriptionCover(planId);
        uint256 date = uint256(inv.day) * 1 days;
        uint256 terms = planId | ((date / p.periodLength) << 64) | (date << 128) | (uint256(perPeriod) << 192);
        return [
            nullifier,
            root,
            terms,
            insurance.prescriptionCoverHash(invoiceId, inv.pharmacist, address(pharmacy), payer),
            insurance.prescriptionNullifierDomain()
        ];
    }

    function _rxCover(uint256 planId, uint256 root, uint256 nullifier, uint256 invoiceId, address payer)
        internal
        view
        returns (IInsurance.CoverClaim memory cover)
    {
        cover.planId = planId;
        cover.root = root;
        cover.depth = insurance.memberDepth(insurance.plan(planId).insurer);
        cover.nullifier = nullifier;
        cover.proof.pA[0] = verifierDouble.proofFor(_rxSignals(planId, root, nullifier, invoiceId, payer), cover.depth);
    }

    function _setRxCover(uint256 planId, uint96 amountCovered, uint32 perPeriod) internal {
        vm.prank(insurer);
        insurance.setPrescriptionCover(planId, amountCovered, perPeriod);
    }
}

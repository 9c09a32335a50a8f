// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.24;

import {Test} from "../lib/Test.sol";
import {Registry} from "../../Registry.sol";
import {Insurance} from "../../Insurance.sol";
import {Appointments} from "../../Appointments.sol";
import {IInsurance} from "../../interfaces/IInsurance.sol";
import {IRoleRegistry} from "../../interfaces/IRoleRegistry.sol";
import {IEligibilityVerifier} from "../../interfaces/IEligibilityVerifier.sol";
import {IPoseidonT3} from "../../interfaces/IPoseidonT3.sol";
import {EligibilityVerifierDouble} from "./EligibilityVerifierDouble.sol";
import {SparsePoseidonT3} from "../../generated/SparsePoseidonT3.sol";

/// @notice The real Registry, Insurance and Appointments with a test double verifier,
/// a certified doctor and insurer, and helpers to make covered-booking "proofs".
abstract contract PaymentsFixture is Test {
    Registry internal registry;
    Insurance internal insurance;
    Appointments internal appointments;
    EligibilityVerifierDouble internal verifierDouble;
    IPoseidonT3 internal hasher;

    address internal registrar = address(0xA001);
    address internal medical = address(0xA002);
    address internal insuranceAuthority = address(0xA003);
    address internal doctor = address(0xD001);
    address internal insurer = address(0x1501);
    address internal patient = address(0xB001);

    uint256 internal constant T0 = 1_750_000_000;

    function _deploy(IEligibilityVerifier verifier) internal {
        vm.warp(T0);
        registry = new Registry(registrar);
        vm.startPrank(registrar);
        registry.appointAuthority(keccak256("MEDICAL_AUTHORITY"), medical);
        registry.appointAuthority(keccak256("INSURANCE_AUTHORITY"), insuranceAuthority);
        vm.stopPrank();
        _certify(keccak256("DOCTOR"), doctor);
        _certify(keccak256("INSURER"), insurer);
        hasher = _deployHasher();
        insurance = new Insurance(IRoleRegistry(address(registry)), verifier, hasher);
        appointments = new Appointments(IRoleRegistry(address(registry)), IInsurance(address(insurance)));
        insurance.bindAppointments(address(appointments));
    }

    function _deployWithDouble() internal {
        verifierDouble = new EligibilityVerifierDouble();
        _deploy(verifierDouble);
    }

    /// @dev The hasher every Salus network deploys.
    function _deployHasher() internal returns (IPoseidonT3) {
        return IPoseidonT3(address(new SparsePoseidonT3()));
    }

    function _certify(bytes32 role, address account) internal {
        vm.prank(role == keccak256("DOCTOR") ? medical : insuranceAuthority);
        registry.certify(role, account);
    }

    function _publish(uint256 startsIn, uint96 fee) internal returns (uint256 slotId) {
        vm.prank(doctor);
        slotId = appointments.publishSlot(uint40(block.timestamp + startsIn), 30 minutes, fee);
    }

    function _book(address who, uint256 slotId, uint96 fee) internal {
        vm.deal(who, who.balance + fee);
        vm.prank(who);
        appointments.book{value: fee}(slotId);
    }

    function _plan(uint96 feeCovered, uint32 visitsPerPeriod) internal returns (uint256 planId) {
        vm.prank(insurer);
        planId = insurance.createPlan("Basic care", feeCovered, visitsPerPeriod, 30 days);
    }

    function _enrol(uint256 leaf) internal returns (uint256 root) {
        vm.prank(insurer);
        root = insurance.enrol(leaf);
    }

    function _fund(uint256 amount) internal {
        vm.deal(address(this), address(this).balance + amount);
        insurance.fund{value: amount}(insurer);
    }

    /// @dev The public signals the contracts will present for this booking.
    function _signals(uint256 planId, uint256 root, uint256 nullifier, uint256 slotId, address payer)
        internal
        view
        returns (uint256[5] memory)
    {
        Appointments.Slot memory slot = appointments.getSlot(slotId);
        Insurance.Plan memory p = insurance.plan(planId);
        uint256 terms = planId | ((uint256(slot.start) / p.periodLength) << 64) | (uint256(slot.start) << 128)
            | (uint256(p.visitsPerPeriod) << 192);
        return [
            nullifier,
            root,
            terms,
            insurance.bookingHash(slotId, slot.doctor, address(appointments), payer),
            insurance.nullifierDomain()
        ];
    }

    /// @dev A double-verifier proof valid for exactly (plan, root, nullifier, slot, payer).
    function _cover(uint256 planId, uint256 root, uint256 nullifier, uint256 slotId, address payer)
        internal
        view
        returns (IInsurance.CoverClaim memory cover)
    {
        cover.planId = planId;
        cover.root = root;
        cover.depth = insurance.memberDepth(insurance.plan(planId).insurer);
        cover.nullifier = nullifier;
        cover.proof.pA[0] = verifierDouble.proofFor(_signals(planId, root, nullifier, slotId, payer), cover.depth);
    }

    function _bookCovered(address relayer, uint256 slotId, IInsurance.CoverClaim memory cover, uint256 topUp)
        internal
    {
        vm.deal(relayer, relayer.balance + topUp);
        vm.prank(relayer);
        appointments.bookCovered{value: topUp}(slotId, cover);
    }

    function assertGe(uint256 left, uint256 right, string memory message) internal pure {
        vm.assertLe(right, left, message);
    }

    receive() external payable {}
}

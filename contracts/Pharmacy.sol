// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.24;

import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {IRoleRegistry} from "./interfaces/IRoleRegistry.sol";
import {IInsurance} from "./interfaces/IInsurance.sol";
import {IPrescriptionCover} from "./interfaces/IPrescriptionCover.sol";

/// @title Pharmacy
/// @notice A certified pharmacist dispenses a prescription a certified doctor signed
/// (EIP-712), at most repeats + 1 times and not after it expires; each dispense opens an
/// invoice the patient pays exactly, once: in ETH from any account, or through Insurance
/// with an anonymous eligibility proof (the insurer's pool pays). Pharmacists withdraw
/// what they earned.
/// @dev The chain sees a salted hash of the prescription (rxHash), never its content or
/// the patient; events name the prescription hash, the invoice and the pharmacist only.
/// ETH invariant: address(this).balance == owedTotal, the sum of `withdrawable`. Nothing
/// is held in escrow: an invoice follows a dispense already made, so its payment is the
/// pharmacist's at once (the escrow term of the invariant is always zero).
contract Pharmacy is EIP712, ReentrancyGuardTransient {
    enum InvoiceStatus {
        None,
        Open,
        Paid,
        PaidCovered
    }

    /// @notice What the doctor signs. rxHash = keccak256(salt ‖ sha256(canonical JSON of
    /// the MedicationRequest)); dispenses allowed = repeats + 1; none after notAfter.
    struct Prescription {
        bytes32 rxHash;
        uint8 repeats;
        uint64 notAfter;
        uint64 issuedAt;
    }

    /// @dev One storage word. `day` is the dispense's day number (unix days): the date a
    /// covered payment's proof is made for.
    struct Invoice {
        address pharmacist;
        uint72 amount;
        uint16 day;
        InvoiceStatus status;
    }

    bytes32 public constant PRESCRIPTION_TYPEHASH =
        keccak256("Prescription(bytes32 rxHash,uint8 repeats,uint64 notAfter,uint64 issuedAt)");
    /// @dev Registry.DOCTOR_ROLE and Registry.PHARMACIST_ROLE.
    bytes32 public constant DOCTOR_ROLE = keccak256("DOCTOR");
    bytes32 public constant PHARMACIST_ROLE = keccak256("PHARMACIST");

    IRoleRegistry public immutable registry;
    IPrescriptionCover public immutable insurance;

    uint256 public invoiceCount;
    /// @notice Sum of `withdrawable`: the contract's whole balance.
    uint256 public owedTotal;
    /// @notice How many times each prescription was dispensed.
    mapping(bytes32 rxHash => uint256) public dispenseCount;
    mapping(uint256 invoiceId => Invoice) private _invoices;
    mapping(address pharmacist => uint256) public withdrawable;

    /// @notice Prescription `rxHash` was dispensed for the `dispenseNumber`-th time (1 = first
    /// fill) by `pharmacist`, who invoiced `amount` wei as `invoiceId`.
    event Dispensed(
        bytes32 indexed rxHash, uint256 indexed invoiceId, address indexed pharmacist, uint256 dispenseNumber, uint256 amount
    );
    /// @notice Invoice `invoiceId` was paid: `paid` wei sent by the payer, `covered` by an insurer's pool.
    event InvoicePaid(uint256 indexed invoiceId, address indexed pharmacist, uint256 paid, uint256 covered);
    event Withdrawn(address indexed pharmacist, uint256 amount);

    error Pharmacy__ZeroAddress();
    error Pharmacy__NotPharmacist(address account);
    error Pharmacy__BadSignature();
    error Pharmacy__NotDoctor(address signer);
    error Pharmacy__Expired(bytes32 rxHash, uint256 notAfter);
    error Pharmacy__NoDispensesLeft(bytes32 rxHash, uint256 allowed);
    error Pharmacy__PriceTooHigh(uint256 price);
    error Pharmacy__UnknownInvoice(uint256 invoiceId);
    error Pharmacy__InvoiceNotOpen(uint256 invoiceId, InvoiceStatus status);
    error Pharmacy__WrongAmount(uint256 expected, uint256 sent);
    error Pharmacy__NothingToCover(uint256 invoiceId);
    error Pharmacy__NothingToWithdraw(address account);
    error Pharmacy__TransferFailed();
    error Pharmacy__UnexpectedEther(address from);

    constructor(IRoleRegistry registry_, IPrescriptionCover insurance_) EIP712("Salus Pharmacy", "1") {
        if (address(registry_) == address(0) || address(insurance_) == address(0)) revert Pharmacy__ZeroAddress();
        registry = registry_;
        insurance = insurance_;
    }

    /// @dev Only Insurance sends ETH without an invoice: the covered part of payInvoiceCovered.
    receive() external payable {
        if (msg.sender != address(insurance)) revert Pharmacy__UnexpectedEther(msg.sender);
    }

    // -------------------------------------------------------------- pharmacist

    /// @notice A certified pharmacist dispenses `rx`, signed by a doctor certified now, and
    /// invoices `price` wei for it.
    function dispense(Prescription calldata rx, bytes calldata signature, uint256 price)
        external
        returns (uint256 invoiceId)
    {
        if (!registry.hasRole(PHARMACIST_ROLE, msg.sender)) revert Pharmacy__NotPharmacist(msg.sender);
        if (block.timestamp > rx.notAfter) revert Pharmacy__Expired(rx.rxHash, rx.notAfter);
        if (price > type(uint72).max) revert Pharmacy__PriceTooHigh(price);
        (address signer, ECDSA.RecoverError failure,) = ECDSA.tryRecoverCalldata(_digest(rx), signature);
        if (failure != ECDSA.RecoverError.NoError) revert Pharmacy__BadSignature();
        if (!registry.hasRole(DOCTOR_ROLE, signer)) revert Pharmacy__NotDoctor(signer);
        uint256 count = dispenseCount[rx.rxHash] + 1;
        if (count > uint256(rx.repeats) + 1) revert Pharmacy__NoDispensesLeft(rx.rxHash, uint256(rx.repeats) + 1);
        dispenseCount[rx.rxHash] = count;
        invoiceId = ++invoiceCount;
        // price fits (checked above); the day number fits 16 bits until the year 2149.
        // forge-lint: disable-next-line(unsafe-typecast)
        _invoices[invoiceId] = Invoice(msg.sender, uint72(price), uint16(block.timestamp / 1 days), InvoiceStatus.Open);
        emit Dispensed(rx.rxHash, invoiceId, msg.sender, count, price);
    }

    /// @notice Sends the caller everything their invoices earned.
    function withdraw() external nonReentrant {
        uint256 amount = withdrawable[msg.sender];
        if (amount == 0) revert Pharmacy__NothingToWithdraw(msg.sender);
        withdrawable[msg.sender] = 0;
        owedTotal -= amount;
        emit Withdrawn(msg.sender, amount);
        (bool ok,) = payable(msg.sender).call{value: amount}("");
        if (!ok) revert Pharmacy__TransferFailed();
    }

    // ----------------------------------------------------------------- patient

    /// @notice Pays an open invoice with exactly its amount, from any account.
    function payInvoice(uint256 invoiceId) external payable {
        Invoice storage invoice = _openInvoice(invoiceId);
        uint256 amount = invoice.amount;
        if (msg.value != amount) revert Pharmacy__WrongAmount(amount, msg.value);
        invoice.status = InvoiceStatus.Paid;
        _credit(invoice.pharmacist, amount);
        emit InvoicePaid(invoiceId, invoice.pharmacist, amount, 0);
    }

    /// @notice Pays an open invoice from an insurer's pool, sent by the account the proof
    /// was made for (a one-off account: nothing in it names the patient). What the plan
    /// does not cover must be sent.
    function payInvoiceCovered(uint256 invoiceId, IInsurance.CoverClaim calldata cover) external payable nonReentrant {
        Invoice storage invoice = _openInvoice(invoiceId);
        uint256 amount = invoice.amount;
        if (amount == 0) revert Pharmacy__NothingToCover(invoiceId);
        address pharmacist = invoice.pharmacist;
        invoice.status = InvoiceStatus.PaidCovered;
        // The proof binds msg.sender (Insurance.prescriptionCoverHash): a copy sent by another account fails.
        (, uint256 covered) =
            insurance.claimPrescription(cover, invoiceId, pharmacist, uint256(invoice.day) * 1 days, amount, msg.sender);
        if (msg.value != amount - covered) revert Pharmacy__WrongAmount(amount - covered, msg.value);
        _credit(pharmacist, amount);
        emit InvoicePaid(invoiceId, pharmacist, msg.value, covered);
    }

    // ------------------------------------------------------------------- views

    /// @notice One invoice; reverts with Pharmacy__UnknownInvoice for an unknown id.
    function invoice(uint256 invoiceId) external view returns (Invoice memory) {
        Invoice memory found = _invoices[invoiceId];
        if (found.status == InvoiceStatus.None) revert Pharmacy__UnknownInvoice(invoiceId);
        return found;
    }

    /// @notice The EIP-712 digest the doctor signs for `rx` on this deployment.
    function prescriptionDigest(Prescription calldata rx) external view returns (bytes32) {
        return _digest(rx);
    }

    // ---------------------------------------------------------------- internal

    function _digest(Prescription calldata rx) private view returns (bytes32) {
        return _hashTypedDataV4(keccak256(abi.encode(PRESCRIPTION_TYPEHASH, rx.rxHash, rx.repeats, rx.notAfter, rx.issuedAt)));
    }

    function _openInvoice(uint256 invoiceId) private view returns (Invoice storage invoice_) {
        invoice_ = _invoices[invoiceId];
        InvoiceStatus status = invoice_.status;
        if (status == InvoiceStatus.None) revert Pharmacy__UnknownInvoice(invoiceId);
        if (status != InvoiceStatus.Open) revert Pharmacy__InvoiceNotOpen(invoiceId, status);
    }

    function _credit(address pharmacist, uint256 amount) private {
        if (amount == 0) return;
        withdrawable[pharmacist] += amount;
        owedTotal += amount;
    }
}

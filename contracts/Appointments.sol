// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.24;

import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {IRoleRegistry} from "./interfaces/IRoleRegistry.sol";
import {IInsurance} from "./interfaces/IInsurance.sol";

/// @title Appointments
/// @notice Doctors publish slots with a fee in wei; a patient books one by paying the
/// exact fee into escrow, or by an anonymous eligibility proof that draws the fee from
/// an insurer's pool. Fees leave escrow only by the rules below, as pull payments.
/// @dev ETH invariant: address(this).balance == escrowTotal + owedTotal, where
/// escrowTotal is the fees of bookings not yet settled and owedTotal the sum of
/// withdrawable balances. Rules:
/// - patient cancels at least CANCEL_NOTICE before the start: full refund, and the
///   slot is open again for anyone to book;
/// - doctor cancels any time before settlement: full refund;
/// - from the start until GRACE_PERIOD after the end, the patient (the account that
///   booked) confirms they attended; only then may the doctor complete, and the fee
///   becomes the doctor's;
/// - GRACE_PERIOD after the end, a booking the patient never confirmed attending: if
///   the doctor had confirmed it, the doctor may claim it (no-show); if the doctor
///   never confirmed it, anyone may refund it.
/// Refunds of covered fees go back to the insurer's pool, and the member's covered
/// visit is given back (Insurance releases its nullifier); the rest goes to the payer.
contract Appointments is ReentrancyGuardTransient {
    enum Status {
        None,
        Open,
        Booked,
        Confirmed,
        Completed,
        CancelledByPatient,
        CancelledByDoctor,
        NoShowClaimed,
        RefundedUnconfirmed,
        Attended
    }

    /// @dev Three storage words: doctor|start|duration|status, fee|payer, covered|insurer.
    struct Slot {
        address doctor;
        uint40 start;
        uint32 duration;
        Status status;
        uint96 fee;
        address payer;
        uint96 covered;
        address insurer;
    }

    /// @dev Registry.DOCTOR_ROLE.
    bytes32 public constant DOCTOR_ROLE = keccak256("DOCTOR");
    uint256 public constant CANCEL_NOTICE = 24 hours;
    uint256 public constant GRACE_PERIOD = 48 hours;
    uint256 public constant MIN_DURATION = 5 minutes;
    uint256 public constant MAX_DURATION = 24 hours;
    /// @dev Far enough for any real calendar, near enough that start + duration + grace fits.
    uint256 public constant MAX_LEAD_TIME = 730 days;

    IRoleRegistry public immutable registry;
    IInsurance public immutable insurance;

    /// @dev escrowTotal shares slotCount's storage word, non-zero once a slot exists: no
    /// booking (not even a deployment's first) writes it from zero, which costs 17,100 gas more.
    uint64 private _slotCount;
    uint192 private _escrowTotal;
    uint256 public owedTotal;
    mapping(uint256 slotId => Slot) private _slots;
    mapping(address account => uint256) public withdrawable;
    /// @notice Covered fees of each insurer currently held in escrow.
    mapping(address insurer => uint256) public coverInEscrow;

    event SlotPublished(uint256 indexed slotId, address indexed doctor, uint40 start, uint32 duration, uint96 fee);
    event SlotBooked(uint256 indexed slotId, address indexed payer, address indexed insurer, uint256 paid, uint256 covered);
    event BookingConfirmed(uint256 indexed slotId, address indexed doctor);
    event AttendanceConfirmed(uint256 indexed slotId, address indexed payer);
    event BookingCompleted(uint256 indexed slotId, address indexed doctor, uint256 amount);
    event SlotCancelled(uint256 indexed slotId, address indexed by, Status status);
    event NoShowClaimed(uint256 indexed slotId, address indexed doctor, uint256 amount);
    /// @notice The patient cancelled `slotId` and it can be booked again.
    event SlotReopened(uint256 indexed slotId);
    event UnconfirmedRefunded(uint256 indexed slotId, address indexed by);
    /// @notice A receipt: `amount` wei became withdrawable by `account` because of `slotId`.
    event PaymentCredited(address indexed account, uint256 indexed slotId, uint256 amount);
    event CoverReturned(uint256 indexed slotId, address indexed insurer, uint256 amount);
    event Withdrawn(address indexed account, uint256 amount);

    error Appointments__ZeroAddress();
    error Appointments__NotDoctor(address account);
    error Appointments__InvalidStart(uint256 start);
    error Appointments__InvalidDuration(uint256 duration);
    error Appointments__UnknownSlot(uint256 slotId);
    error Appointments__SlotNotOpen(uint256 slotId, Status status);
    error Appointments__SlotInPast(uint256 slotId, uint256 start);
    error Appointments__WrongFee(uint256 expected, uint256 sent);
    error Appointments__NothingToCover(uint256 slotId);
    error Appointments__NotSlotDoctor(uint256 slotId, address caller);
    error Appointments__NotPayer(uint256 slotId, address caller);
    error Appointments__WrongStatus(uint256 slotId, Status status);
    error Appointments__TooLateToCancel(uint256 slotId, uint256 deadline);
    error Appointments__TooEarly(uint256 slotId, uint256 notBefore);
    error Appointments__TooLate(uint256 slotId, uint256 deadline);
    error Appointments__NothingToWithdraw(address account);
    error Appointments__TransferFailed();
    error Appointments__UnexpectedEther(address from);

    constructor(IRoleRegistry registry_, IInsurance insurance_) {
        if (address(registry_) == address(0) || address(insurance_) == address(0)) revert Appointments__ZeroAddress();
        registry = registry_;
        insurance = insurance_;
    }

    /// @dev Only Insurance sends ETH without a booking: the covered fee of bookCovered.
    receive() external payable {
        if (msg.sender != address(insurance)) revert Appointments__UnexpectedEther(msg.sender);
    }

    // ------------------------------------------------------------------ doctor

    /// @notice A doctor offers a visit starting at `start` (unix seconds) for `fee` wei.
    function publishSlot(uint40 start, uint32 duration, uint96 fee) external returns (uint256 slotId) {
        if (!registry.hasRole(DOCTOR_ROLE, msg.sender)) revert Appointments__NotDoctor(msg.sender);
        if (start <= block.timestamp || start > block.timestamp + MAX_LEAD_TIME) revert Appointments__InvalidStart(start);
        if (duration < MIN_DURATION || duration > MAX_DURATION) revert Appointments__InvalidDuration(duration);
        slotId = ++_slotCount;
        Slot storage slot = _slots[slotId];
        (slot.doctor, slot.start, slot.duration, slot.status, slot.fee) = (msg.sender, start, duration, Status.Open, fee);
        emit SlotPublished(slotId, msg.sender, start, duration, fee);
    }

    /// @notice The doctor accepts a booking (needed later to claim a no-show).
    function confirm(uint256 slotId) external {
        Slot storage slot = _doctorsSlot(slotId);
        _requireStatus(slotId, slot, Status.Booked);
        slot.status = Status.Confirmed;
        emit BookingConfirmed(slotId, msg.sender);
    }

    /// @notice The visit took place and the patient confirmed attending: its fee becomes
    /// the doctor's to withdraw.
    function complete(uint256 slotId) external {
        Slot storage slot = _doctorsSlot(slotId);
        _requireStatus(slotId, slot, Status.Attended);
        slot.status = Status.Completed;
        uint256 amount = _payDoctor(slotId, slot);
        emit BookingCompleted(slotId, msg.sender, amount);
    }

    /// @notice The doctor withdraws a slot or cancels a booking; the patient (or the
    /// insurer's pool) gets the whole fee back.
    function cancelByDoctor(uint256 slotId) external nonReentrant {
        Slot storage slot = _doctorsSlot(slotId);
        Status status = slot.status;
        if (status != Status.Open && !_isBooked(status)) revert Appointments__WrongStatus(slotId, status);
        slot.status = Status.CancelledByDoctor;
        emit SlotCancelled(slotId, msg.sender, Status.CancelledByDoctor);
        if (status != Status.Open) _refund(slotId, slot);
    }

    /// @notice GRACE_PERIOD after the end, a booking the doctor confirmed and the patient
    /// never confirmed attending (the patient did not come) pays the doctor.
    function claimNoShow(uint256 slotId) external {
        Slot storage slot = _doctorsSlot(slotId);
        _requireStatus(slotId, slot, Status.Confirmed);
        _requireGraceOver(slotId, slot);
        slot.status = Status.NoShowClaimed;
        uint256 amount = _payDoctor(slotId, slot);
        emit NoShowClaimed(slotId, msg.sender, amount);
    }

    // ----------------------------------------------------------------- patient

    /// @notice Books an open future slot, paying exactly its fee into escrow.
    function book(uint256 slotId) external payable {
        Slot storage slot = _openFutureSlot(slotId);
        uint96 fee = slot.fee;
        if (msg.value != fee) revert Appointments__WrongFee(fee, msg.value);
        slot.status = Status.Booked;
        slot.payer = msg.sender;
        _escrowTotal += fee;
        emit SlotBooked(slotId, msg.sender, address(0), fee, 0);
    }

    /// @notice Books an open future slot with an insurer's cover, sent by the account the
    /// proof was made for (a one-off account: nothing in it identifies the patient). If the slot's fee exceeds what the plan
    /// covers, the difference must be sent.
    function bookCovered(uint256 slotId, IInsurance.CoverClaim calldata cover) external payable nonReentrant {
        Slot storage slot = _openFutureSlot(slotId);
        uint96 fee = slot.fee;
        if (fee == 0) revert Appointments__NothingToCover(slotId);
        slot.status = Status.Booked;
        slot.payer = msg.sender;
        // The proof binds msg.sender (Insurance.bookingHash): a copy sent by another account fails.
        (address insurer, uint256 covered) = insurance.claim(cover, slotId, slot.doctor, slot.start, fee, msg.sender);
        if (msg.value != fee - covered) revert Appointments__WrongFee(fee - covered, msg.value);
        // Insurance caps covered at the fee, itself a uint96.
        // forge-lint: disable-next-line(unsafe-typecast)
        (slot.covered, slot.insurer) = (uint96(covered), insurer);
        coverInEscrow[insurer] += covered;
        _escrowTotal += fee;
        emit SlotBooked(slotId, msg.sender, insurer, msg.value, covered);
    }

    /// @notice The account that booked says the visit took place, from its start until
    /// GRACE_PERIOD after its end. Only then can the doctor complete it, and no longer
    /// claim a no-show. For a covered booking, the one-off account that sent it.
    function confirmAttendance(uint256 slotId) external {
        Slot storage slot = _slot(slotId);
        if (slot.payer != msg.sender) revert Appointments__NotPayer(slotId, msg.sender);
        if (slot.status != Status.Booked && slot.status != Status.Confirmed) {
            revert Appointments__WrongStatus(slotId, slot.status);
        }
        if (block.timestamp < slot.start) revert Appointments__TooEarly(slotId, slot.start);
        uint256 deadline = uint256(slot.start) + slot.duration + GRACE_PERIOD;
        if (block.timestamp >= deadline) revert Appointments__TooLate(slotId, deadline);
        slot.status = Status.Attended;
        emit AttendanceConfirmed(slotId, msg.sender);
    }

    /// @notice The account that booked cancels, at least CANCEL_NOTICE before the start,
    /// and gets everything back; the slot is open again for anyone to book.
    function cancelByPatient(uint256 slotId) external nonReentrant {
        Slot storage slot = _slot(slotId);
        if (slot.payer != msg.sender) revert Appointments__NotPayer(slotId, msg.sender);
        if (slot.status != Status.Booked && slot.status != Status.Confirmed) {
            revert Appointments__WrongStatus(slotId, slot.status);
        }
        if (block.timestamp + CANCEL_NOTICE > slot.start) {
            revert Appointments__TooLateToCancel(slotId, slot.start > CANCEL_NOTICE ? slot.start - CANCEL_NOTICE : 0);
        }
        emit SlotCancelled(slotId, msg.sender, Status.CancelledByPatient);
        // Refund from the booking as it was, then clear it: the slot is Open again.
        Slot memory booking = slot;
        (slot.status, slot.payer, slot.covered, slot.insurer) = (Status.Open, address(0), 0, address(0));
        emit SlotReopened(slotId);
        _refundBooking(slotId, booking.fee, booking.covered, booking.payer, booking.insurer);
    }

    /// @notice GRACE_PERIOD after the end, a booking neither the doctor nor the patient
    /// confirmed is refunded. Anyone may trigger it; the money goes only to its owners.
    function refundUnconfirmed(uint256 slotId) external nonReentrant {
        Slot storage slot = _slot(slotId);
        _requireStatus(slotId, slot, Status.Booked);
        _requireGraceOver(slotId, slot);
        slot.status = Status.RefundedUnconfirmed;
        emit UnconfirmedRefunded(slotId, msg.sender);
        _refund(slotId, slot);
    }

    // ---------------------------------------------------------------- payments

    /// @notice Sends the caller everything credited to them (earnings and refunds).
    function withdraw() external nonReentrant {
        uint256 amount = withdrawable[msg.sender];
        if (amount == 0) revert Appointments__NothingToWithdraw(msg.sender);
        withdrawable[msg.sender] = 0;
        owedTotal -= amount;
        emit Withdrawn(msg.sender, amount);
        (bool ok,) = payable(msg.sender).call{value: amount}("");
        if (!ok) revert Appointments__TransferFailed();
    }

    // ------------------------------------------------------------------- views

    /// @notice How many slots were ever published (the last slot's id).
    function slotCount() external view returns (uint256) {
        return _slotCount;
    }

    /// @notice The fees of bookings not yet settled, held in escrow.
    function escrowTotal() external view returns (uint256) {
        return _escrowTotal;
    }

    /// @notice One slot and its booking; reverts with Appointments__UnknownSlot for an unknown id.
    function getSlot(uint256 slotId) external view returns (Slot memory) {
        return _slot(slotId);
    }

    /// @notice Several slots in one call (a doctor's calendar page); unknown ids revert.
    function getSlots(uint256[] calldata slotIds) external view returns (Slot[] memory slots) {
        slots = new Slot[](slotIds.length);
        for (uint256 i = 0; i < slotIds.length; ++i) {
            slots[i] = _slot(slotIds[i]);
        }
    }

    // ---------------------------------------------------------------- internal

    function _payDoctor(uint256 slotId, Slot storage slot) private returns (uint256 amount) {
        uint96 fee = slot.fee;
        amount = fee;
        address doctor = slot.doctor;
        _escrowTotal -= fee;
        if (slot.covered != 0) coverInEscrow[slot.insurer] -= slot.covered;
        _credit(doctor, slotId, amount);
    }

    /// @dev Callers set the final status first; the only external call is to Insurance.
    function _refund(uint256 slotId, Slot storage slot) private {
        _refundBooking(slotId, slot.fee, slot.covered, slot.payer, slot.insurer);
    }

    /// @dev A covered part goes back to the insurer's pool and Insurance gives the
    /// member's visit back (releases the booking's nullifier).
    function _refundBooking(uint256 slotId, uint96 fee, uint256 covered, address payer, address insurer) private {
        uint256 paid = fee - covered;
        _escrowTotal -= fee;
        if (paid != 0) _credit(payer, slotId, paid);
        if (covered != 0) {
            coverInEscrow[insurer] -= covered;
            emit CoverReturned(slotId, insurer, covered);
            insurance.returnCover{value: covered}(insurer, slotId);
        }
    }

    function _isBooked(Status status) private pure returns (bool) {
        return status == Status.Booked || status == Status.Confirmed || status == Status.Attended;
    }

    function _credit(address account, uint256 slotId, uint256 amount) private {
        if (amount == 0) return;
        withdrawable[account] += amount;
        owedTotal += amount;
        emit PaymentCredited(account, slotId, amount);
    }

    function _slot(uint256 slotId) private view returns (Slot storage slot) {
        slot = _slots[slotId];
        if (slot.status == Status.None) revert Appointments__UnknownSlot(slotId);
    }

    function _doctorsSlot(uint256 slotId) private view returns (Slot storage slot) {
        slot = _slot(slotId);
        if (slot.doctor != msg.sender) revert Appointments__NotSlotDoctor(slotId, msg.sender);
    }

    function _openFutureSlot(uint256 slotId) private view returns (Slot storage slot) {
        slot = _slot(slotId);
        if (slot.status != Status.Open) revert Appointments__SlotNotOpen(slotId, slot.status);
        if (block.timestamp >= slot.start) revert Appointments__SlotInPast(slotId, slot.start);
    }

    function _requireStatus(uint256 slotId, Slot storage slot, Status wanted) private view {
        if (slot.status != wanted) revert Appointments__WrongStatus(slotId, slot.status);
    }

    function _requireGraceOver(uint256 slotId, Slot storage slot) private view {
        uint256 notBefore = uint256(slot.start) + slot.duration + GRACE_PERIOD;
        if (block.timestamp < notBefore) revert Appointments__TooEarly(slotId, notBefore);
    }
}

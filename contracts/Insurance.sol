// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.24;

import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {IPoseidonT3} from "./interfaces/IPoseidonT3.sol";
import {IRoleRegistry} from "./interfaces/IRoleRegistry.sol";
import {IEligibilityVerifier} from "./interfaces/IEligibilityVerifier.sol";
import {IInsurance} from "./interfaces/IInsurance.sol";
import {IPrescriptionCover} from "./interfaces/IPrescriptionCover.sol";

/// @title Insurance
/// @notice Insurers publish plans, enrol members into a per-insurer Merkle tree and
/// fund a pool in ETH. A member proves eligibility in zero knowledge; the pool then
/// pays the visit without anyone learning which member booked it.
/// @dev ETH invariant: address(this).balance == sum of poolOf over all insurers. A
/// claimed fee leaves for the Appointments escrow at once; a refund comes back through
/// returnCover. So "unreserved" is exactly poolOf.
/// Member trees follow the insertion of zk-kit's lean-imt (InternalLeanIMT._insert): no zero
/// padding, the depth grows with the size. They are written out here, not imported,
/// because that package imports poseidon-solidity as a linked library; this contract
/// instead calls a Poseidon deployed as a contract (SparsePoseidonT3, generated), which
/// needs no linking and costs about 4,000 gas less per hash.
contract Insurance is IInsurance, IPrescriptionCover, ReentrancyGuardTransient {
    uint256 internal constant SNARK_SCALAR_FIELD =
        21888242871839275222246405745257275088548364400416034343698204186575808495617;

    /// @dev Registry.INSURER_ROLE.
    bytes32 public constant INSURER_ROLE = keccak256("INSURER");
    /// @notice How many of an insurer's latest roots a proof may use: a member's proof
    /// stays valid while up to this many others are enrolled after it was made.
    uint256 public constant ROOT_HISTORY_SIZE = 30;
    uint256 public constant MAX_PLAN_NAME_LENGTH = 64;
    /// @dev The circuit range-checks visitsPerPeriod in 8 bits.
    uint256 public constant MAX_VISITS_PER_PERIOD = 255;
    uint256 public constant MIN_PERIOD_LENGTH = 1 days;
    uint256 public constant MAX_PERIOD_LENGTH = 3660 days;
    /// @notice Most leaves one enrolMany takes: about 20,000 gas each, so a full batch
    /// stays far below a block's gas limit.
    uint256 public constant MAX_ENROL_BATCH = 256;

    struct Plan {
        address insurer;
        uint96 feeCovered;
        uint32 visitsPerPeriod;
        uint32 periodLength;
        bool closed;
        string name;
    }

    /// @dev A LeanIMT: sideNodes[level] is the root of the last complete subtree of
    /// 2^level leaves, the only nodes a later insertion reads; the current root lives in
    /// the ring of recent roots. The depth is implied by the size.
    struct MemberTree {
        uint256 size;
        mapping(uint256 level => uint256) sideNodes;
        uint256[ROOT_HISTORY_SIZE] recentRoots;
    }

    IRoleRegistry public immutable registry;
    IEligibilityVerifier public immutable verifier;
    IPoseidonT3 public immutable hasher;
    /// @dev Only to bind Appointments and Pharmacy once; each names the other.
    address private immutable _deployer;

    address public appointments;
    /// @notice The Pharmacy contract, the only one allowed to claim prescription cover.
    address public pharmacy;
    uint256 public planCount;
    mapping(uint256 planId => Plan) private _plans;
    mapping(address insurer => MemberTree) private _members;
    mapping(address insurer => uint256) public poolOf;
    mapping(uint256 nullifier => bool) public nullifierUsed;
    /// @dev The nullifier each covered booking spent, so a refund can give it back.
    mapping(uint256 slotId => uint256 nullifier) private _slotNullifier;
    /// @notice What a plan covers of prescriptions: up to `amountCovered` wei per dispense,
    /// at most `perPeriod` dispenses in each of the plan's periods; zero: not covered.
    mapping(uint256 planId => PrescriptionCover) public prescriptionCover;

    struct PrescriptionCover {
        uint96 amountCovered;
        uint32 perPeriod;
    }

    event AppointmentsBound(address indexed appointments);
    event PharmacyBound(address indexed pharmacy);
    event PrescriptionCoverSet(uint256 indexed planId, uint96 amountCovered, uint32 perPeriod);
    event PrescriptionCoverClaimed(
        address indexed insurer, uint256 indexed planId, uint256 indexed nullifier, uint256 invoiceId, uint256 amount
    );
    event PlanCreated(
        uint256 indexed planId,
        address indexed insurer,
        string name,
        uint96 feeCovered,
        uint32 visitsPerPeriod,
        uint32 periodLength
    );
    event PlanClosed(uint256 indexed planId, address indexed insurer);
    event MemberEnrolled(address indexed insurer, uint256 indexed leaf, uint256 index, uint256 root);
    /// @notice `leaves` took the indices firstIndex, firstIndex + 1, … in one enrolMany; `root`
    /// is the root after the last of them (the only one of the batch's roots accepted).
    event MembersEnrolled(address indexed insurer, uint256 firstIndex, uint256[] leaves, uint256 root);
    event PoolFunded(address indexed insurer, address indexed from, uint256 amount, uint256 pool);
    event PoolWithdrawn(address indexed insurer, uint256 amount, uint256 pool);
    event CoverClaimed(
        address indexed insurer, uint256 indexed planId, uint256 indexed nullifier, uint256 slotId, uint256 amount
    );
    event CoverReturned(address indexed insurer, uint256 amount, uint256 pool);
    /// @notice A refunded covered booking gave its member's visit back: `nullifier` can be used again.
    event NullifierReleased(uint256 indexed nullifier, uint256 indexed slotId);

    error Insurance__NotInsurer(address account);
    error Insurance__NotAppointments(address caller);
    error Insurance__AlreadyBound();
    error Insurance__ZeroAddress();
    error Insurance__InvalidPlan(string reason);
    error Insurance__UnknownPlan(uint256 planId);
    error Insurance__PlanClosed(uint256 planId);
    error Insurance__NotPlanInsurer(uint256 planId, address caller);
    error Insurance__InvalidLeaf();
    error Insurance__InvalidBatch(uint256 length);
    error Insurance__ZeroAmount();
    error Insurance__InsufficientPool(uint256 pool, uint256 needed);
    error Insurance__UnknownRoot(uint256 root);
    error Insurance__NullifierUsed(uint256 nullifier);
    error Insurance__InvalidProof();
    /// @notice The proof names a depth the insurer's tree has never had (or none at all).
    error Insurance__InvalidDepth(uint256 depth, uint256 treeDepth);
    error Insurance__TransferFailed();
    error Insurance__NotPharmacy(address caller);
    error Insurance__PrescriptionsNotCovered(uint256 planId);

    modifier onlyInsurer() {
        if (!registry.hasRole(INSURER_ROLE, msg.sender)) revert Insurance__NotInsurer(msg.sender);
        _;
    }

    modifier onlyPharmacy() {
        if (msg.sender != pharmacy) revert Insurance__NotPharmacy(msg.sender);
        _;
    }

    modifier onlyAppointments() {
        if (msg.sender != appointments) revert Insurance__NotAppointments(msg.sender);
        _;
    }

    constructor(IRoleRegistry registry_, IEligibilityVerifier verifier_, IPoseidonT3 hasher_) {
        if (address(registry_) == address(0) || address(verifier_) == address(0) || address(hasher_) == address(0)) {
            revert Insurance__ZeroAddress();
        }
        registry = registry_;
        verifier = verifier_;
        hasher = hasher_;
        _deployer = msg.sender;
    }

    /// @notice Names the Appointments contract, the only one allowed to claim. Once.
    function bindAppointments(address appointments_) external {
        if (msg.sender != _deployer || appointments != address(0)) revert Insurance__AlreadyBound();
        if (appointments_ == address(0)) revert Insurance__ZeroAddress();
        appointments = appointments_;
        emit AppointmentsBound(appointments_);
    }

    /// @notice Names the Pharmacy contract, the only one allowed to claim prescription cover. Once.
    function bindPharmacy(address pharmacy_) external {
        if (msg.sender != _deployer || pharmacy != address(0)) revert Insurance__AlreadyBound();
        if (pharmacy_ == address(0)) revert Insurance__ZeroAddress();
        pharmacy = pharmacy_;
        emit PharmacyBound(pharmacy_);
    }

    // ------------------------------------------------------------------ plans

    /// @notice An insurer publishes a plan: up to `feeCovered` wei per visit, at most
    /// `visitsPerPeriod` visits in each period of `periodLength` seconds.
    function createPlan(string calldata name, uint96 feeCovered, uint32 visitsPerPeriod, uint32 periodLength)
        external
        onlyInsurer
        returns (uint256 planId)
    {
        uint256 nameLength = bytes(name).length;
        if (nameLength == 0 || nameLength > MAX_PLAN_NAME_LENGTH) revert Insurance__InvalidPlan("name");
        if (feeCovered == 0) revert Insurance__InvalidPlan("feeCovered");
        if (visitsPerPeriod == 0 || visitsPerPeriod > MAX_VISITS_PER_PERIOD) {
            revert Insurance__InvalidPlan("visitsPerPeriod");
        }
        if (periodLength < MIN_PERIOD_LENGTH || periodLength > MAX_PERIOD_LENGTH) {
            revert Insurance__InvalidPlan("periodLength");
        }
        planId = ++planCount;
        _plans[planId] = Plan(msg.sender, feeCovered, visitsPerPeriod, periodLength, false, name);
        emit PlanCreated(planId, msg.sender, name, feeCovered, visitsPerPeriod, periodLength);
    }

    /// @notice Stops new claims under a plan (bookings already covered stay covered).
    function closePlan(uint256 planId) external {
        Plan storage p = _plan(planId);
        if (p.insurer != msg.sender) revert Insurance__NotPlanInsurer(planId, msg.sender);
        if (p.closed) revert Insurance__PlanClosed(planId);
        p.closed = true;
        emit PlanClosed(planId, msg.sender);
    }

    /// @notice The plan's insurer says what it covers of prescriptions: up to
    /// `amountCovered` wei per dispense, `perPeriod` (1..255) dispenses per period; (0, 0)
    /// stops covering them.
    function setPrescriptionCover(uint256 planId, uint96 amountCovered, uint32 perPeriod) external {
        Plan storage p = _plan(planId);
        if (p.insurer != msg.sender) revert Insurance__NotPlanInsurer(planId, msg.sender);
        if ((amountCovered == 0) != (perPeriod == 0)) revert Insurance__InvalidPlan("prescriptionCover");
        if (perPeriod > MAX_VISITS_PER_PERIOD) revert Insurance__InvalidPlan("perPeriod");
        prescriptionCover[planId] = PrescriptionCover(amountCovered, perPeriod);
        emit PrescriptionCoverSet(planId, amountCovered, perPeriod);
    }

    /// @notice A plan's terms; reverts with Insurance__UnknownPlan for an unknown id.
    function plan(uint256 planId) external view returns (Plan memory) {
        return _plan(planId);
    }

    // ---------------------------------------------------------------- members

    /// @notice Adds a member credential leaf Poseidon(identityCommitment, planId, validUntil),
    /// computed by the insurer's app from the commitment the patient showed them.
    /// @dev Leaves are not deduplicated on chain (that would cost a storage slot per
    /// member): a leaf enrolled twice yields the same nullifiers, so it gains nothing.
    /// @return root The insurer's new member root.
    function enrol(uint256 leaf) external onlyInsurer returns (uint256 root) {
        if (leaf == 0 || leaf >= SNARK_SCALAR_FIELD) revert Insurance__InvalidLeaf();
        MemberTree storage tree = _members[msg.sender];
        uint256 index = tree.size;
        // Same root as zk-kit's InternalLeanIMT._insert, with fewer writes: it stores the
        // node of every level where the index bit is 0, but only the one that closes a
        // complete subtree (at the index's trailing ones) is ever read again.
        root = leaf;
        uint256 level = 0;
        for (; (index >> level) & 1 == 1; ++level) {
            root = _hash(tree.sideNodes[level], root);
        }
        tree.sideNodes[level] = root;
        for (++level; index >> level != 0; ++level) {
            if ((index >> level) & 1 == 1) root = _hash(tree.sideNodes[level], root);
        }
        tree.size = index + 1;
        tree.recentRoots[index % ROOT_HISTORY_SIZE] = root;
        emit MemberEnrolled(msg.sender, leaf, index, root);
    }

    /// @notice Adds several member credential leaves in one transaction, in order, each
    /// checked as in `enrol`: an insurer enrolling a group pays the tree's hashing once.
    /// @dev The tree, the root and every later insertion are exactly those of calling
    /// `enrol` once per leaf, but each new internal node is hashed once: the batch is
    /// folded level by level over the new nodes only, the left neighbour of the first
    /// one coming from the stored side nodes, and a node without a right sibling is
    /// carried up unchanged (zk-kit's LeanIMT). Only side nodes a later insertion reads
    /// are written: at each level where the next index has its bit set, the complete node
    /// just left of it.
    /// Only the final root enters the ring of recent roots (in the last leaf's slot): the
    /// roots after the batch's other leaves never exist on chain, so no proof can use
    /// them. The ring slots of those other leaves keep the older roots of this same tree
    /// until later enrolments overwrite them; members are never removed, so an older
    /// root proves nothing that is not still true.
    /// @return root The insurer's new member root.
    function enrolMany(uint256[] calldata leaves) external onlyInsurer returns (uint256 root) {
        uint256 count = leaves.length;
        if (count == 0 || count > MAX_ENROL_BATCH) revert Insurance__InvalidBatch(count);
        uint256[] memory nodes = new uint256[](count);
        for (uint256 i = 0; i < count; ++i) {
            uint256 leaf = leaves[i];
            if (leaf == 0 || leaf >= SNARK_SCALAR_FIELD) revert Insurance__InvalidLeaf();
            nodes[i] = leaf;
        }
        MemberTree storage tree = _members[msg.sender];
        uint256 firstIndex = tree.size;
        root = _insertBatch(tree, nodes, firstIndex);
        uint256 size = firstIndex + count;
        tree.size = size;
        tree.recentRoots[(size - 1) % ROOT_HISTORY_SIZE] = root;
        emit MembersEnrolled(msg.sender, firstIndex, leaves, root);
    }

    /// @dev enrolMany's fold. `nodes` holds the new leaves, the first at index `start`, and
    /// is overwritten: at each level, nodes[0 .. end - start) are that level's nodes
    /// start .. end - 1, those covering a new leaf up to the level's last (maybe
    /// incomplete) node. Returns the root; the caller updates the size and the ring.
    function _insertBatch(MemberTree storage tree, uint256[] memory nodes, uint256 start) private returns (uint256) {
        uint256 size = start + nodes.length;
        uint256 end = size;
        for (uint256 level = 0;; ++level) {
            // An odd start has an old, complete left sibling: the side node stored for it.
            uint256 oldLeft = start & 1 == 1 ? tree.sideNodes[level] : 0;
            {
                // What a later insertion reads here: the last complete node, when the
                // next index's bit at this level is set (it is then a left sibling).
                uint256 complete = size >> level;
                if (complete & 1 == 1 && complete - 1 >= start) tree.sideNodes[level] = nodes[complete - 1 - start];
            }
            if (end == 1) return nodes[0];
            uint256 parentStart = start >> 1;
            // In place: parent p lands in slot p - parentStart, never after its left child's.
            for (uint256 p = parentStart; 2 * p < end; ++p) {
                uint256 left = 2 * p;
                uint256 node = left < start ? oldLeft : nodes[left - start];
                if (left + 1 < end) node = _hash(node, nodes[left + 1 - start]);
                nodes[p - parentStart] = node;
            }
            start = parentStart;
            end = (end + 1) >> 1;
        }
    }

    /// @notice The insurer's current member root (0 before the first member).
    function memberRoot(address insurer) external view returns (uint256) {
        MemberTree storage tree = _members[insurer];
        uint256 size = tree.size;
        return size == 0 ? 0 : tree.recentRoots[(size - 1) % ROOT_HISTORY_SIZE];
    }

    /// @notice How many leaves the insurer has enrolled (the next leaf's index).
    function memberCount(address insurer) external view returns (uint256) {
        return _members[insurer].size;
    }

    /// @notice Whether a proof against `root` is accepted for `insurer`'s members now:
    /// it must be one of the last ROOT_HISTORY_SIZE roots. Newest first, as most proofs
    /// use the current root.
    function isAcceptedRoot(address insurer, uint256 root) public view returns (bool) {
        MemberTree storage tree = _members[insurer];
        return _isRecentRoot(tree, tree.size, root);
    }

    function _isRecentRoot(MemberTree storage tree, uint256 size, uint256 root) private view returns (bool) {
        if (root == 0) return false;
        uint256 count = size < ROOT_HISTORY_SIZE ? size : ROOT_HISTORY_SIZE;
        for (uint256 i = 1; i <= count; ++i) {
            if (tree.recentRoots[(size - i) % ROOT_HISTORY_SIZE] == root) return true;
        }
        return false;
    }

    // ------------------------------------------------------------------- pool

    /// @notice Adds the sent ETH to `insurer`'s pool (anyone may top it up).
    function fund(address insurer) external payable {
        if (msg.value == 0) revert Insurance__ZeroAmount();
        if (!registry.hasRole(INSURER_ROLE, insurer)) revert Insurance__NotInsurer(insurer);
        uint256 pool = poolOf[insurer] += msg.value;
        emit PoolFunded(insurer, msg.sender, msg.value, pool);
    }

    /// @notice The insurer takes back pool money not already paid out for bookings.
    /// @dev Works without the INSURER role too, so a decertified insurer is not locked out.
    function withdrawUnreserved(uint256 amount) external nonReentrant {
        if (amount == 0) revert Insurance__ZeroAmount();
        uint256 pool = poolOf[msg.sender];
        if (amount > pool) revert Insurance__InsufficientPool(pool, amount);
        poolOf[msg.sender] = pool - amount;
        emit PoolWithdrawn(msg.sender, amount, pool - amount);
        (bool ok,) = payable(msg.sender).call{value: amount}("");
        if (!ok) revert Insurance__TransferFailed();
    }

    // ----------------------------------------------------------------- claims

    /// @inheritdoc IInsurance
    /// @dev The period is the visit's, visitDate / periodLength: the limit counts visits,
    /// and a proof made just before a period boundary does not go stale.
    function claim(CoverClaim calldata cover, uint256 slotId, address doctor, uint256 visitDate, uint256 fee, address payer)
        external
        onlyAppointments
        nonReentrant
        returns (address insurer, uint256 amount)
    {
        Plan storage p = _plan(cover.planId);
        if (p.closed) revert Insurance__PlanClosed(cover.planId);
        insurer = p.insurer;
        if (nullifierUsed[cover.nullifier]) revert Insurance__NullifierUsed(cover.nullifier);
        amount = fee < p.feeCovered ? fee : p.feeCovered;
        uint256 pool = poolOf[insurer];
        if (amount > pool) revert Insurance__InsufficientPool(pool, amount);
        _verifyEligibility(cover, p, visitDate, p.visitsPerPeriod, bookingHash(slotId, doctor, msg.sender, payer), nullifierDomain());

        nullifierUsed[cover.nullifier] = true;
        _slotNullifier[slotId] = cover.nullifier;
        poolOf[insurer] = pool - amount;
        emit CoverClaimed(insurer, cover.planId, cover.nullifier, slotId, amount);
        (bool ok,) = payable(msg.sender).call{value: amount}("");
        if (!ok) revert Insurance__TransferFailed();
    }

    /// @inheritdoc IPrescriptionCover
    /// @dev Like claim, under the plan's prescription terms and in the prescription
    /// nullifier domain: a member's covered dispenses and covered visits are counted apart
    /// and their nullifiers never coincide. The period is the dispense date's.
    function claimPrescription(
        CoverClaim calldata cover,
        uint256 invoiceId,
        address pharmacist,
        uint256 dispenseDate,
        uint256 amount,
        address payer
    ) external onlyPharmacy nonReentrant returns (address insurer, uint256 covered) {
        Plan storage p = _plan(cover.planId);
        if (p.closed) revert Insurance__PlanClosed(cover.planId);
        PrescriptionCover memory terms = prescriptionCover[cover.planId];
        if (terms.perPeriod == 0) revert Insurance__PrescriptionsNotCovered(cover.planId);
        insurer = p.insurer;
        if (nullifierUsed[cover.nullifier]) revert Insurance__NullifierUsed(cover.nullifier);
        covered = amount < terms.amountCovered ? amount : terms.amountCovered;
        uint256 pool = poolOf[insurer];
        if (covered > pool) revert Insurance__InsufficientPool(pool, covered);
        _verifyEligibility(
            cover, p, dispenseDate, terms.perPeriod, prescriptionCoverHash(invoiceId, pharmacist, msg.sender, payer), prescriptionNullifierDomain()
        );
        nullifierUsed[cover.nullifier] = true;
        poolOf[insurer] = pool - covered;
        emit PrescriptionCoverClaimed(insurer, cover.planId, cover.nullifier, invoiceId, covered);
        (bool ok,) = payable(msg.sender).call{value: covered}("");
        if (!ok) revert Insurance__TransferFailed();
    }

    /// @inheritdoc IInsurance
    /// @dev Releasing shows nothing new (the nullifier was public since the claim), but
    /// a later booking that uses the same visit shows the same nullifier again: an
    /// observer learns that the refunded booking and that one are one member's (not who).
    function returnCover(address insurer, uint256 slotId) external payable onlyAppointments {
        uint256 pool = poolOf[insurer] += msg.value;
        emit CoverReturned(insurer, msg.value, pool);
        uint256 nullifier = _slotNullifier[slotId];
        if (nullifier != 0) {
            delete _slotNullifier[slotId];
            delete nullifierUsed[nullifier];
            emit NullifierReleased(nullifier, slotId);
        }
    }

    /// @notice The value a proof binds to: one slot of one doctor on this deployment,
    /// booked by one account (so a proof copied from the mempool fails from any other).
    /// keccak256(abi.encode(slotId, doctor, appointments, chainid, payer)) mod the BN254 field.
    function bookingHash(uint256 slotId, address doctor, address appointments_, address payer) public view returns (uint256) {
        return uint256(keccak256(abi.encode(slotId, doctor, appointments_, block.chainid, payer))) % SNARK_SCALAR_FIELD;
    }

    /// @notice The value a prescription cover proof binds to: one invoice of one pharmacist
    /// on this deployment, paid by one account.
    /// keccak256(abi.encode(invoiceId, pharmacist, pharmacy, chainid, payer)) mod the BN254 field.
    function prescriptionCoverHash(uint256 invoiceId, address pharmacist, address pharmacy_, address payer)
        public
        view
        returns (uint256)
    {
        return uint256(keccak256(abi.encode(invoiceId, pharmacist, pharmacy_, block.chainid, payer))) % SNARK_SCALAR_FIELD;
    }

    /// @notice The domain of prescription nullifiers, apart from visits': a member's covered
    /// dispenses spend nullifiers that never equal (nor reveal) their visits' ones.
    /// uint256(keccak256(abi.encode(chainid, address(this), "prescription"))) >> 8.
    function prescriptionNullifierDomain() public view returns (uint256) {
        return uint256(keccak256(abi.encode(block.chainid, address(this), "prescription"))) >> 8;
    }

    /// @notice What every nullifier of this deployment is bound to: the chain and this
    /// contract, so a member's nullifiers on another chain or another Insurance share
    /// nothing with these. uint256(keccak256(abi.encode(chainid, address(this)))) >> 8.
    function nullifierDomain() public view returns (uint256) {
        return uint256(keccak256(abi.encode(block.chainid, address(this)))) >> 8;
    }

    /// @notice The period number a visit at `visitDate` falls in under `planId`.
    function periodOf(uint256 planId, uint256 visitDate) external view returns (uint256) {
        return visitDate / _plan(planId).periodLength;
    }

    /// @notice The depth of the circuit a member of `insurer` proves with now: the
    /// LeanIMT depth ceil(log2(members)), at least 1 (0 before the first member).
    function memberDepth(address insurer) public view returns (uint256) {
        return _treeDepth(_members[insurer].size);
    }

    /// @dev The whole proof check of a covered claim, kept in one place (covered bookings
    /// and covered prescriptions call it): `cover.root` is one of the insurer's recent
    /// roots; `cover.depth` is a depth the tree has had (1 up to its depth now: a proof
    /// made just before the tree grew past 2^depth members stays valid, like its root;
    /// Eligibility(d) takes any path of up to d siblings, so every such depth proves the
    /// same membership); and the Groth16 proof verifies with that depth's key for the
    /// public signals [nullifier, root, terms, binding, domain], terms packing planId,
    /// the period of `date` under the plan, `date` and `perPeriod` (the plan's visitsPerPeriod,
    /// or its prescription cover's perPeriod) (each range-checked in the circuit to the width it is packed in). Reverts
    /// otherwise. The caller checks the plan is open and spends the nullifier.
    /// @param binding What the proof is bound to (bookingHash for a booking, prescriptionCoverHash for an invoice).
    /// @param domain The nullifiers' domain (nullifierDomain() for visits, prescriptionNullifierDomain() for prescriptions).
    function _verifyEligibility(
        CoverClaim calldata cover,
        Plan storage p,
        uint256 date,
        uint256 perPeriod,
        uint256 binding,
        uint256 domain
    ) internal view {
        _checkRootAndDepth(_members[p.insurer], cover.root, cover.depth);
        uint256[5] memory signals = [cover.nullifier, cover.root, _terms(cover.planId, p, date, perPeriod), binding, domain];
        if (!verifier.verifyProof(cover.proof.pA, cover.proof.pB, cover.proof.pC, signals, cover.depth)) {
            revert Insurance__InvalidProof();
        }
    }

    function _checkRootAndDepth(MemberTree storage tree, uint256 root, uint256 depth) private view {
        uint256 size = tree.size;
        if (!_isRecentRoot(tree, size, root)) revert Insurance__UnknownRoot(root);
        uint256 treeDepth = _treeDepth(size);
        if (depth == 0 || depth > treeDepth) revert Insurance__InvalidDepth(depth, treeDepth);
    }

    /// @dev The circuit's `terms` signal: planId | period << 64 | date << 128 | perPeriod << 192.
    function _terms(uint256 planId, Plan storage p, uint256 date, uint256 perPeriod) private view returns (uint256) {
        // planCount and slot times are far below 2^64; the circuit range-checks each field.
        if (planId >> 64 != 0 || date >> 64 != 0) revert Insurance__InvalidProof();
        return planId | ((date / p.periodLength) << 64) | (date << 128) | (perPeriod << 192);
    }

    /// @dev max(1, ceil(log2(size))), the bit length of size - 1; 0 for an empty tree.
    function _treeDepth(uint256 size) private pure returns (uint256 depth) {
        if (size < 3) return size == 0 ? 0 : 1;
        uint256 x = size - 1;
        for (uint256 step = 128; step != 0; step >>= 1) {
            if (x >> step != 0) (x, depth) = (x >> step, depth + step);
        }
        depth += 1;
    }

    /// @dev hasher.hash([left, right]) without the ABI encoder's overhead (a few hundred
    /// gas a call, and enrol makes up to one call per tree level).
    function _hash(uint256 left, uint256 right) private view returns (uint256 node) {
        address target = address(hasher);
        bytes4 selector = IPoseidonT3.hash.selector;
        assembly ("memory-safe") {
            let input := mload(0x40)
            mstore(input, selector)
            mstore(add(input, 0x04), left)
            mstore(add(input, 0x24), right)
            if iszero(and(eq(returndatasize(), 0x20), staticcall(gas(), target, input, 0x44, 0x00, 0x20))) {
                revert(0, 0)
            }
            node := mload(0x00)
        }
    }

    function _plan(uint256 planId) private view returns (Plan storage p) {
        p = _plans[planId];
        if (p.insurer == address(0)) revert Insurance__UnknownPlan(planId);
    }
}

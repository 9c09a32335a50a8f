// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.24;

import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";

/// @title Anchors
/// @notice Timestamps Merkle roots of record envelope CIDs, one root per batch, so
/// anyone holding a record can check it existed unaltered at anchoring time.
/// Anyone may anchor: the root reveals nothing about the records or the patient.
/// @dev Leaves and proofs use OpenZeppelin's sorted-pair keccak256 tree; the
/// TypeScript side is src/core/anchor/merkle.ts.
contract Anchors {
    /// @dev Two storage slots per batch: the root, then timestamp + count + submitter
    /// packed into exactly 256 bits.
    struct Batch {
        bytes32 root;
        uint64 timestamp;
        uint32 count;
        address submitter;
    }

    /// @dev Batch ids start at 1 so that 0 can mean "not anchored" off chain.
    mapping(uint256 batchId => Batch) private _batches;
    uint256 private _batchCount;

    event Anchored(
        uint256 indexed batchId, bytes32 indexed root, address indexed submitter, uint32 count, uint64 timestamp
    );

    error Anchors__EmptyBatch();
    error Anchors__ZeroRoot();
    error Anchors__UnknownBatch(uint256 batchId);

    /// @notice Anchors the Merkle root of `count` records.
    /// @return batchId The id to keep beside each record for later verification.
    function anchor(bytes32 root, uint32 count) external returns (uint256 batchId) {
        if (root == bytes32(0)) revert Anchors__ZeroRoot();
        if (count == 0) revert Anchors__EmptyBatch();
        unchecked {
            // Cannot overflow: one increment per transaction.
            batchId = ++_batchCount;
        }
        uint64 timestamp = uint64(block.timestamp);
        _batches[batchId] = Batch({root: root, timestamp: timestamp, count: count, submitter: msg.sender});
        emit Anchored(batchId, root, msg.sender, count, timestamp);
    }

    /// @notice The batch recorded under `batchId`; reverts if there is none.
    function batch(uint256 batchId) external view returns (Batch memory) {
        return _batch(batchId);
    }

    /// @notice How many batches have been anchored (also the id of the latest one).
    function batchCount() external view returns (uint256) {
        return _batchCount;
    }

    /// @notice Whether `leaf` belongs to batch `batchId`'s tree, given its sorted-pair proof.
    function verify(uint256 batchId, bytes32 leaf, bytes32[] calldata proof) external view returns (bool) {
        return MerkleProof.verifyCalldata(proof, _batch(batchId).root, leaf);
    }

    function _batch(uint256 batchId) private view returns (Batch storage stored) {
        stored = _batches[batchId];
        if (stored.root == bytes32(0)) revert Anchors__UnknownBatch(batchId);
    }
}

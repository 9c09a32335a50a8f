// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.24;

import {Test} from "./lib/Test.sol";
import {Anchors} from "../Anchors.sol";

contract AnchorsTest is Test {
    Anchors internal anchors;

    event Anchored(
        uint256 indexed batchId, bytes32 indexed root, address indexed submitter, uint32 count, uint64 timestamp
    );

    function setUp() public {
        anchors = new Anchors();
    }

    function testFuzz_anchorStoresTheBatch(bytes32 root, uint32 count, address submitter, uint64 timestamp) public {
        vm.assume(root != bytes32(0) && count != 0);
        vm.warp(timestamp);
        vm.expectEmit(true, true, true, true, address(anchors));
        emit Anchored(1, root, submitter, count, timestamp);
        vm.prank(submitter);
        uint256 batchId = anchors.anchor(root, count);

        assertEq(batchId, 1, "first batch id");
        assertEq(anchors.batchCount(), 1, "batch count");
        Anchors.Batch memory stored = anchors.batch(batchId);
        assertEq(stored.root, root, "root");
        assertEq(uint256(stored.count), uint256(count), "count");
        assertEq(uint256(stored.timestamp), uint256(timestamp), "timestamp");
        assertEq(stored.submitter, submitter, "submitter");
    }

    function test_batchIdsAreSequential() public {
        for (uint256 i = 1; i <= 5; ++i) {
            assertEq(anchors.anchor(keccak256(abi.encode(i)), uint32(i)), i, "batch id");
        }
        assertEq(anchors.batchCount(), 5, "batch count");
        assertEq(anchors.batch(3).root, keccak256(abi.encode(uint256(3))), "third root");
    }

    function testFuzz_rejectsZeroRoot(uint32 count) public {
        vm.expectRevert(Anchors.Anchors__ZeroRoot.selector);
        anchors.anchor(bytes32(0), count);
    }

    function testFuzz_rejectsEmptyBatch(bytes32 root) public {
        vm.assume(root != bytes32(0));
        vm.expectRevert(Anchors.Anchors__EmptyBatch.selector);
        anchors.anchor(root, 0);
    }

    function testFuzz_unknownBatchReverts(uint256 batchId) public {
        anchors.anchor(bytes32(uint256(1)), 1);
        vm.assume(batchId != 1);
        vm.expectRevert(abi.encodeWithSelector(Anchors.Anchors__UnknownBatch.selector, batchId));
        anchors.batch(batchId);
        vm.expectRevert(abi.encodeWithSelector(Anchors.Anchors__UnknownBatch.selector, batchId));
        anchors.verify(batchId, bytes32(uint256(1)), new bytes32[](0));
    }

    function testFuzz_verifyAcceptsEveryLeafAndRejectsOthers(uint256 seed, uint256 size, uint256 index) public {
        size = bound(size, 1, 64);
        index = bound(index, 0, size - 1);
        bytes32[] memory leaves = new bytes32[](size);
        for (uint256 i = 0; i < size; ++i) {
            leaves[i] = keccak256(abi.encode(seed, i));
        }
        (bytes32 root, bytes32[] memory proof) = _rootAndProof(leaves, index);
        uint256 batchId = anchors.anchor(root, uint32(size));

        assertTrue(anchors.verify(batchId, leaves[index], proof), "member leaf verifies");
        assertFalse(anchors.verify(batchId, keccak256(abi.encode(seed, size)), proof), "outsider leaf fails");
        if (proof.length > 0) {
            proof[0] = bytes32(uint256(proof[0]) ^ 1);
            assertFalse(anchors.verify(batchId, leaves[index], proof), "tampered proof fails");
        }
    }

    function test_verifyIsBoundToItsBatch() public {
        bytes32[] memory leaves = new bytes32[](4);
        for (uint256 i = 0; i < 4; ++i) {
            leaves[i] = keccak256(abi.encode("record", i));
        }
        (bytes32 root, bytes32[] memory proof) = _rootAndProof(leaves, 2);
        uint256 other = anchors.anchor(keccak256("another batch"), 4);
        uint256 mine = anchors.anchor(root, 4);
        assertTrue(anchors.verify(mine, leaves[2], proof), "own batch");
        assertFalse(anchors.verify(other, leaves[2], proof), "other batch");
    }

    /// @dev One anchor per batch must stay cheap: ≤ 1,000 gas per record for 100 records
    /// (execution gas here; the transaction adds 21,000 + calldata).
    function test_anchorGasPerRecord() public {
        anchors.anchor(keccak256("warm the counter"), 1);
        uint256 before = gasleft();
        anchors.anchor(keccak256("batch of 100"), 100);
        uint256 used = before - gasleft();
        assertLe(used + 21_000 + 1_000, 100_000, "anchor tx gas for 100 records");
    }

    /// @dev Sorted-pair keccak tree; an odd node is carried up unchanged
    /// (any layout works with OpenZeppelin MerkleProof). Proof = siblings from leaf to root.
    function _rootAndProof(bytes32[] memory leaves, uint256 index)
        internal
        pure
        returns (bytes32 root, bytes32[] memory proof)
    {
        bytes32[] memory level = leaves;
        bytes32[] memory siblings = new bytes32[](8);
        uint256 depth = 0;
        while (level.length > 1) {
            uint256 sibling = index ^ 1;
            if (sibling < level.length) siblings[depth++] = level[sibling];
            bytes32[] memory next = new bytes32[]((level.length + 1) / 2);
            for (uint256 i = 0; i < next.length; ++i) {
                uint256 left = 2 * i;
                next[i] = left + 1 < level.length ? _hashPair(level[left], level[left + 1]) : level[left];
            }
            level = next;
            index /= 2;
        }
        proof = new bytes32[](depth);
        for (uint256 i = 0; i < depth; ++i) {
            proof[i] = siblings[i];
        }
        root = level[0];
    }

    function _hashPair(bytes32 a, bytes32 b) private pure returns (bytes32) {
        return a < b ? keccak256(abi.encode(a, b)) : keccak256(abi.encode(b, a));
    }
}

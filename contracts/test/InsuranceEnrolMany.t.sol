// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.24;

import {Insurance} from "../Insurance.sol";
import {PaymentsFixture} from "./handlers/PaymentsFixture.sol";

/// @dev The one cheatcode these tests need beyond contracts/test/lib/Vm.sol.
interface VmStorage {
    function load(address target, bytes32 slot) external view returns (bytes32);
}

/// enrolMany against repeated enrol: the tree must be the same one, and so must every
/// insertion after it.
contract InsuranceEnrolManyTest is PaymentsFixture {
    uint256 internal constant FIELD =
        21888242871839275222246405745257275088548364400416034343698204186575808495617;
    /// @dev Insurance's `_members` mapping (forge inspect Insurance storageLayout).
    uint256 internal constant MEMBERS_SLOT = 3;
    VmStorage internal constant vmStorage = VmStorage(address(uint160(uint256(keccak256("hevm cheat code")))));

    /// A second insurer whose tree is built with enrolMany, beside `insurer` using enrol.
    address internal batcher = address(0x1502);

    event MembersEnrolled(address indexed insurer, uint256 firstIndex, uint256[] leaves, uint256 root);

    function setUp() public {
        _deployWithDouble();
        _certify(keccak256("INSURER"), batcher);
    }

    function _leaf(uint256 seed, uint256 i) internal pure returns (uint256 leaf) {
        leaf = uint256(keccak256(abi.encode(seed, i))) % FIELD;
        if (leaf == 0) leaf = 1;
    }

    function _leaves(uint256 seed, uint256 from, uint256 count) internal pure returns (uint256[] memory leaves) {
        leaves = new uint256[](count);
        for (uint256 i = 0; i < count; ++i) {
            leaves[i] = _leaf(seed, from + i);
        }
    }

    function _enrolMany(address who, uint256[] memory leaves) internal returns (uint256 root) {
        vm.prank(who);
        root = insurance.enrolMany(leaves);
    }

    function _sideNode(address who, uint256 level) internal view returns (uint256) {
        uint256 tree = uint256(keccak256(abi.encode(who, MEMBERS_SLOT)));
        // MemberTree: size at +0, the sideNodes mapping at +1.
        return uint256(vmStorage.load(address(insurance), keccak256(abi.encode(level, tree + 1))));
    }

    /// @dev Every side node a later insertion can read: at each level where the size has its bit set.
    function _assertSameLiveSideNodes(string memory when) internal view {
        uint256 size = insurance.memberCount(insurer);
        assertEq(insurance.memberCount(batcher), size, string.concat(when, ": size"));
        for (uint256 level = 0; size >> level != 0; ++level) {
            if ((size >> level) & 1 == 1) {
                assertEq(_sideNode(batcher, level), _sideNode(insurer, level), string.concat(when, ": side node ", vm.toString(level)));
            }
        }
    }

    /// @dev LeanIMT by definition: pair up each level, carry an odd last node up unhashed.
    function _leanRoot(uint256[] memory leaves) internal view returns (uint256) {
        uint256 n = leaves.length;
        uint256[] memory level = new uint256[](n);
        for (uint256 i = 0; i < n; ++i) {
            level[i] = leaves[i];
        }
        while (n > 1) {
            uint256 m = (n + 1) / 2;
            for (uint256 i = 0; i < m; ++i) {
                level[i] = 2 * i + 1 < n ? hasher.hash([level[2 * i], level[2 * i + 1]]) : level[2 * i];
            }
            n = m;
        }
        return level[0];
    }

    /// A tree of random size built by random batches, then one more batch of random length:
    /// after each batch, the root and the live side nodes equal those of enrolling the same
    /// leaves one by one, and later single insertions keep agreeing.
    /// forge-config: default.fuzz.runs = 48
    function testFuzz_enrolManyEqualsRepeatedEnrol(uint256 seed, uint256 before, uint256 length) public {
        before = bound(before, 0, 300);
        length = bound(length, 1, insurance.MAX_ENROL_BATCH());
        uint256 total = before + length;
        uint256[] memory all = _leaves(seed, 0, total);
        uint256 done = 0;
        for (uint256 chunk = 0; done < total; ++chunk) {
            // Random chunks (1..64) for the prefix, then the fuzzed batch as one.
            uint256 size = done < before ? 1 + uint256(keccak256(abi.encode(seed, "chunk", chunk))) % 64 : length;
            if (done < before && done + size > before) size = before - done;
            uint256[] memory batch = new uint256[](size);
            for (uint256 i = 0; i < size; ++i) {
                batch[i] = all[done + i];
            }
            uint256 root = _enrolMany(batcher, batch);
            uint256 oneByOne;
            for (uint256 i = 0; i < size; ++i) {
                oneByOne = _enrol(batch[i]);
            }
            done += size;
            assertEq(root, oneByOne, "returned root");
            assertEq(insurance.memberRoot(batcher), oneByOne, "memberRoot");
            assertTrue(insurance.isAcceptedRoot(batcher, root), "final root accepted");
            _assertSameLiveSideNodes(string.concat("after ", vm.toString(done)));
        }
        assertEq(insurance.memberCount(batcher), total, "size");
        assertEq(insurance.memberRoot(batcher), _leanRoot(all), "LeanIMT by definition");
        for (uint256 i = 0; i < 5; ++i) {
            uint256 next = _leaf(seed, total + i);
            assertEq(_enrolMany(batcher, _single(next)), _enrol(next), "a later single insertion");
        }
        // And enrol after enrolMany, the other way round.
        uint256 last = _leaf(seed, total + 5);
        vm.prank(batcher);
        assertEq(insurance.enrol(last), _enrol(last), "enrol after a batch");
        _assertSameLiveSideNodes("at the end");
    }

    function _single(uint256 leaf) internal pure returns (uint256[] memory leaves) {
        leaves = new uint256[](1);
        leaves[0] = leaf;
    }

    function test_smallBatchesByHand() public {
        uint256[] memory abc = new uint256[](3);
        (abc[0], abc[1], abc[2]) = (0xa, 0xb, 0xc);
        uint256 ab = hasher.hash([uint256(0xa), 0xb]);
        assertEq(_enrolMany(batcher, abc), hasher.hash([ab, 0xc]), "three leaves: c carried up");
        uint256[] memory de = new uint256[](2);
        (de[0], de[1]) = (0xd, 0xe);
        uint256 abcd = hasher.hash([ab, hasher.hash([uint256(0xc), 0xd])]);
        assertEq(_enrolMany(batcher, de), hasher.hash([abcd, 0xe]), "d pairs with the stored c, e is carried up");
    }

    function testFuzz_badLeavesAreRefused(uint256 position, uint256 bad, uint256 length) public {
        length = bound(length, 1, 40);
        position = bound(position, 0, length - 1);
        bad = bad % 2 == 0 ? 0 : bound(bad, FIELD, type(uint256).max);
        uint256[] memory leaves = _leaves(1, 0, length);
        leaves[position] = bad;
        vm.expectRevert(Insurance.Insurance__InvalidLeaf.selector);
        _enrolMany(batcher, leaves);
        assertEq(insurance.memberCount(batcher), 0, "nothing enrolled");
    }

    function test_batchLengthIsBounded() public {
        uint256 max = insurance.MAX_ENROL_BATCH();
        vm.expectRevert(abi.encodeWithSelector(Insurance.Insurance__InvalidBatch.selector, 0));
        _enrolMany(batcher, new uint256[](0));
        vm.expectRevert(abi.encodeWithSelector(Insurance.Insurance__InvalidBatch.selector, max + 1));
        _enrolMany(batcher, _leaves(2, 0, max + 1));
        _enrolMany(batcher, _leaves(2, 0, max));
        assertEq(insurance.memberCount(batcher), max, "a full batch goes in");
    }

    function testFuzz_onlyInsurersEnrolMany(address caller) public {
        vm.assume(caller != insurer && caller != batcher);
        uint256[] memory leaves = _leaves(3, 0, 2);
        vm.expectRevert(abi.encodeWithSelector(Insurance.Insurance__NotInsurer.selector, caller));
        vm.prank(caller);
        insurance.enrolMany(leaves);
    }

    /// Proofs can use the root before the batch and the one after it, never one in between.
    function test_onlyTheFinalRootOfABatchIsAccepted() public {
        uint256[] memory leaves = _leaves(4, 0, 7);
        uint256 rootBefore = _enrolMany(batcher, _single(leaves[0]));
        _enrol(leaves[0]);
        uint256[] memory rest = new uint256[](6);
        uint256[] memory between = new uint256[](5);
        for (uint256 i = 1; i < 7; ++i) {
            rest[i - 1] = leaves[i];
            uint256 r = _enrol(leaves[i]);
            if (i < 6) between[i - 1] = r;
        }
        uint256 root = _enrolMany(batcher, rest);
        assertTrue(insurance.isAcceptedRoot(batcher, root), "final root");
        assertTrue(insurance.isAcceptedRoot(batcher, rootBefore), "root before the batch");
        for (uint256 i = 0; i < between.length; ++i) {
            assertFalse(insurance.isAcceptedRoot(batcher, between[i]), "a root inside the batch");
        }
    }

    function test_oneEventCarriesTheBatch() public {
        _enrolMany(batcher, _leaves(5, 0, 3));
        uint256[] memory leaves = _leaves(5, 3, 4);
        uint256 expected = _leanRoot(_leaves(5, 0, 7));
        vm.expectEmit(true, false, false, true, address(insurance));
        emit MembersEnrolled(batcher, 3, leaves, expected);
        _enrolMany(batcher, leaves);
    }

    /// Gas regression for the benchmark `insurance.enrol_many_gas_per_member.batch32`.
    function test_enrolManyGasWithAThousandMembers() public {
        for (uint256 i = 0; i < 4; ++i) {
            _enrolMany(batcher, _leaves(6, i * 250, 250));
        }
        uint256[] memory leaves = _leaves(6, 1000, 32);
        vm.prank(batcher);
        uint256 gasBefore = gasleft();
        insurance.enrolMany(leaves);
        uint256 used = gasBefore - gasleft();
        // Warm storage and no calldata cost here; the benchmark measures a real transaction.
        assertLe(used / 32, 30_000, "enrolMany execution gas per member, 32 into 1,000");
    }
}

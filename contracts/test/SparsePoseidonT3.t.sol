// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.24;

import {Test} from "./lib/Test.sol";
import {SparsePoseidonT3} from "../generated/SparsePoseidonT3.sol";
import {IPoseidonT3} from "../interfaces/IPoseidonT3.sol";
import {ConsentFixtures as F} from "./fixtures/ConsentFixtures.sol";
// A relative path: remappings.txt has no entry for poseidon-solidity.
import {PoseidonT3} from "../../node_modules/poseidon-solidity/PoseidonT3.sol";

/// @notice The generated sparse Poseidon (Insurance's tree hasher) against
/// poseidon-solidity's PoseidonT3 and the circuit / TypeScript fixture.
contract SparsePoseidonT3Test is Test {
    uint256 internal constant FIELD =
        21888242871839275222246405745257275088548364400416034343698204186575808495617;

    event GasUsed(string hasher, uint256 gas);

    SparsePoseidonT3 internal sparse;
    address internal poseidonSolidity;

    function setUp() public {
        sparse = new SparsePoseidonT3();
        bytes memory code = type(PoseidonT3).creationCode;
        address deployed;
        assembly {
            deployed := create(0, add(code, 0x20), mload(code))
        }
        require(deployed != address(0), "PoseidonT3 deployment failed");
        poseidonSolidity = deployed;
    }

    function _reference(uint256 a, uint256 b) internal view returns (uint256) {
        return IPoseidonT3(poseidonSolidity).hash([a, b]);
    }

    function test_matchesTheCircuitAndTypeScript() public view {
        assertEq(sparse.hash(F.t3Inputs()), F.T3_OUTPUT, "fixture from circomlib / poseidon-lite");
        assertEq(
            sparse.hash([uint256(1), 2]),
            0x115cc0f5e7d690413df64c6b9662e9cf2a3617f2743245519e19607a4417189a,
            "circomlibjs poseidon([1, 2])"
        );
    }

    function testFuzz_matchesPoseidonSolidity(uint256 a, uint256 b) public view {
        assertEq(sparse.hash([a, b]), _reference(a, b), "sparse != PoseidonT3");
    }

    function testFuzz_matchesPoseidonSolidityInTheField(uint256 a, uint256 b) public view {
        a = bound(a, 0, FIELD - 1);
        b = bound(b, 0, FIELD - 1);
        assertEq(sparse.hash([a, b]), _reference(a, b), "sparse != PoseidonT3");
    }

    function test_edges() public view {
        uint256[6] memory values = [uint256(0), 1, FIELD - 1, FIELD, FIELD + 1, type(uint256).max];
        for (uint256 i = 0; i < values.length; ++i) {
            for (uint256 j = 0; j < values.length; ++j) {
                assertEq(sparse.hash([values[i], values[j]]), _reference(values[i], values[j]), "edge");
            }
        }
    }

    /// The sparse form must stay well below poseidon-solidity (the reason it exists);
    /// `forge test -vv --mt test_costs` prints both figures.
    function test_costsLessThanPoseidonSolidity() public {
        uint256 before = gasleft();
        sparse.hash([uint256(1), 2]);
        uint256 sparseGas = before - gasleft();
        before = gasleft();
        _reference(1, 2);
        uint256 referenceGas = before - gasleft();
        emit GasUsed("SparsePoseidonT3", sparseGas);
        emit GasUsed("poseidon-solidity PoseidonT3", referenceGas);
        assertLe(sparseGas + 4_000, referenceGas, "sparse Poseidon not 4,000 gas cheaper");
    }
}

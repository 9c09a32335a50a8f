// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.24;

/// @notice Poseidon over BN254 with 2 inputs and circomlib's parameters, called as a
/// deployed contract: contracts/generated/SparsePoseidonT3.sol on every Salus network
/// (poseidon-solidity's PoseidonT3 has the same interface and output, at a third more gas).
interface IPoseidonT3 {
    function hash(uint256[2] memory inputs) external pure returns (uint256);
}

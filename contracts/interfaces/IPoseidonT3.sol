// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.24;

/// @notice poseidon-solidity's PoseidonT3 (Poseidon over BN254 with 2 inputs, the
/// circomlib parameters) called as a deployed contract. Its `hash` is pure, so a plain
/// call works; the npm package ships a presigned CREATE2 deployment that puts it at the
/// same address on every chain (see src/chain/insurance/deployPoseidonT3.ts).
interface IPoseidonT3 {
    function hash(uint256[2] memory inputs) external pure returns (uint256);
}

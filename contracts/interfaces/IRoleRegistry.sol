// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.24;

/// @notice The part of Registry (OpenZeppelin AccessControl) that Appointments and
/// Insurance rely on: who holds the DOCTOR and INSURER roles.
interface IRoleRegistry {
    function hasRole(bytes32 role, address account) external view returns (bool);
}

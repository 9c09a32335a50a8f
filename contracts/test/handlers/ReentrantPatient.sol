// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.24;

import {Appointments} from "../../Appointments.sol";

/// @notice A patient contract that, on receiving a refund, tries again to withdraw,
/// cancel and book: every re-entry must fail, and it must end with only its due.
contract ReentrantPatient {
    Appointments private immutable _appointments;
    uint256 private _slotId;
    uint256 public reentries;
    bool public reentrySucceeded;

    constructor(Appointments appointments) {
        _appointments = appointments;
    }

    function bookAndCancel(uint256 slotId, uint256 fee) external {
        _slotId = slotId;
        _appointments.book{value: fee}(slotId);
        _appointments.cancelByPatient(slotId);
    }

    function withdraw() external {
        _appointments.withdraw();
    }

    receive() external payable {
        if (reentries >= 3) return;
        ++reentries;
        try _appointments.withdraw() {
            reentrySucceeded = true;
        } catch {}
        try _appointments.cancelByPatient(_slotId) {
            reentrySucceeded = true;
        } catch {}
    }
}

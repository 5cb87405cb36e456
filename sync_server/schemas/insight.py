"""API models, defined once in `domain.api.insight` (the console reads them too)."""

from __future__ import annotations

from domain.api.insight import (
    AdminDeviceOut,
    AdminUserCreate,
    AdminUserOut,
    CountOut,
    EnrolCodeOut,
    EnrolRequest,
    IndicatorsOut,
    PartnerAdminOut,
    PartnerIn,
    PasswordReset,
    QpvAdminOut,
    QpvIn,
    SettingsIn,
    SettingsOut,
    WeekOut,
)

__all__ = [
    "AdminDeviceOut",
    "AdminUserCreate",
    "AdminUserOut",
    "CountOut",
    "EnrolCodeOut",
    "EnrolRequest",
    "IndicatorsOut",
    "PartnerAdminOut",
    "PartnerIn",
    "PasswordReset",
    "QpvAdminOut",
    "QpvIn",
    "SettingsIn",
    "SettingsOut",
    "WeekOut",
]

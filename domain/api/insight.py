"""Response and request models of the indicators and administration endpoints."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import BaseModel, Field

from domain.entities import QpvCode
from domain.indicators import Indicators
from domain.vocabulary import PartnerType, Role


class CountOut(BaseModel):
    key: str
    label: str
    value: int


class WeekOut(BaseModel):
    week_start: dt.date
    contacts: int
    actions: int


class IndicatorsOut(BaseModel):
    """Exact figures for the supervisor's own cité (no suppression: not an export)."""

    date_from: dt.date
    date_to: dt.date
    period_label: str
    qpv: str | None
    actions: int
    actions_by_type: list[CountOut]
    actions_by_axis: list[CountOut]
    contacts_by_action_type: list[CountOut]
    contacts_by_axis: list[CountOut]
    contacts: int
    anonymous_contacts: int
    persons_spotted: int
    persons_followed: int
    people_met: int
    orientations: int
    orientations_by_partner: list[CountOut]
    orientations_by_status: list[CountOut]
    freins: list[CountOut]
    exits: int
    positive_exits: int
    exits_by_type: list[CountOut]
    age_bands: list[CountOut]
    genders: list[CountOut]
    qpv_residence: list[CountOut]
    single_parent: list[CountOut]
    ft_registration: list[CountOut]
    delay_persons: int = Field(description="Persons whose first orientation is in the period")
    delay_median_days: float | None
    delay_mean_days: float | None
    weeks: list[WeekOut]
    orientations_answered: int = Field(description="Orientations of the period answered")
    orientations_by_outcome: list[CountOut]
    appointment_delay_orientations: int = Field(
        description="Orientations of the period with an appointment date"
    )
    appointment_delay_median_days: float | None = Field(
        description="Median days from the orientation to its appointment"
    )
    appointments_attended: int = Field(description="Appointments the person came to")

    @classmethod
    def from_indicators(cls, ind: Indicators) -> IndicatorsOut:
        values = {
            name: getattr(ind, name)
            for name in cls.model_fields
            if name not in {"date_from", "date_to", "period_label"}
        }
        # Dataclass instances → dicts for the nested models.
        for name, value in values.items():
            if isinstance(value, list):
                values[name] = [v.__dict__ for v in value]
        return cls(
            date_from=ind.period.start,
            date_to=ind.period.end,
            period_label=ind.period.label,
            **values,
        )


# --- Administration ------------------------------------------------------------------


class AdminUserOut(BaseModel):
    id: str
    username: str
    display_name: str
    role: str
    role_label: str
    active: bool
    active_devices: int
    structure: str | None = None
    partner_id: str | None = None
    partner_name: str | None = None


class AdminUserCreate(BaseModel):
    username: str = Field(min_length=2, max_length=80, pattern=r"^[a-z0-9._-]+$")
    display_name: str = Field(min_length=1, max_length=120)
    role: Role
    password: str = Field(min_length=8, max_length=200)
    structure: str | None = Field(
        default=None, max_length=120, description="The employing structure (optional)"
    )
    partner_id: str | None = Field(
        default=None,
        max_length=36,
        description="Role `partner` only (and required): the partner structure of the cité",
    )


class PasswordReset(BaseModel):
    password: str = Field(min_length=8, max_length=200)


class AdminDeviceOut(BaseModel):
    id: str
    user_id: str
    name: str
    created_at: dt.datetime
    last_seen_at: dt.datetime | None
    revoked_at: dt.datetime | None


class EnrolCodeOut(BaseModel):
    code: str = Field(description="Shown once; single use")
    user_id: str
    expires_at: dt.datetime


class EnrolRequest(BaseModel):
    code: str = Field(min_length=4, max_length=20)
    device_name: str = Field(min_length=1, max_length=80)


class QpvIn(BaseModel):
    code: QpvCode
    name: str = Field(min_length=1, max_length=120)


class QpvAdminOut(BaseModel):
    code: str
    name: str


class PartnerIn(BaseModel):
    name: str = Field(min_length=1, max_length=120)
    type: PartnerType
    themes: list[Annotated[str, Field(min_length=1, max_length=60)]] = Field(
        default_factory=list, max_length=20
    )


class PartnerAdminOut(BaseModel):
    id: str
    name: str
    type: str
    type_label: str
    themes: list[str]


class SettingsOut(BaseModel):
    retention_months: int


class SettingsIn(BaseModel):
    retention_months: int = Field(ge=1, le=36)

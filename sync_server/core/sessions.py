"""Session lifetime: a device token expires after a period without use.

The period is stored on the device at login (so every server process applies the
same rule) and slides with `last_seen_at`, which `deps.get_current_device` refreshes.
"""

from __future__ import annotations

import datetime as dt

from domain.periods import as_utc
from sync_server.core.settings import Settings
from sync_server.models import Device

# Device names the browser console and the web login use (app/console/state/console_state.py).
BROWSER_DEVICE_NAMES = frozenset({"console", "navigateur"})


def idle_timeout_minutes(settings: Settings, *, device_name: str) -> int:
    """Browsers sit on shared office desks: short idle time. Phones sync rarely: long."""
    if device_name.strip().lower() in BROWSER_DEVICE_NAMES:
        return settings.browser_idle_minutes
    return settings.phone_idle_minutes


def session_expired(device: Device, *, now: dt.datetime) -> bool:
    last_use = as_utc(device.last_seen_at or device.created_at)
    return now - last_use > dt.timedelta(minutes=device.idle_timeout_minutes)

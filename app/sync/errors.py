"""Sync failures, each with a French message the UI shows as is.

Whatever the failure, nothing local is lost: the outbox keeps every op that the
server has not acknowledged, and the next sync starts again from there.
"""

from __future__ import annotations

UNREACHABLE = (
    "Serveur injoignable : vos saisies restent sur le téléphone "
    "et partiront à la prochaine synchronisation."
)
BAD_CREDENTIALS = "Identifiant ou mot de passe incorrect."
BAD_ENROL_CODE = "Code d'enrôlement invalide, expiré ou déjà utilisé : demandez-en un nouveau."
SESSION_EXPIRED = "Session expirée ou appareil révoqué : reconnectez-vous."
UPGRADE = "Mettez l'application à jour pour synchroniser."
NO_SERVER_THERE = (
    "Aucun serveur ne répond à cette adresse : vérifiez l'adresse et le réseau, puis réessayez."
)
NOT_RELAIS = "Cette adresse répond, mais ce n'est pas un serveur Relais : vérifiez-la."


PARTNER_ON_PHONE = (
    "Ce compte partenaire ou programme s'utilise dans la console Relais (navigateur), "
    "pas dans l'application de terrain."
)


class SyncError(Exception):
    """Base of every sync failure; `str(exc)` is the message for the user (`message`
    when none is given)."""

    message = ""

    def __init__(self, message: str | None = None) -> None:
        super().__init__(self.message if message is None else message)


class ServerUnreachable(SyncError):
    message = UNREACHABLE


class AuthError(SyncError):
    message = SESSION_EXPIRED


DEVICE_WIPED = (
    "Cet appareil a été révoqué : les saisies qui pouvaient l'être ont été envoyées, "
    "puis les données de ce téléphone ont été effacées. Reconnectez-vous ou "
    "contactez votre superviseur."
)


class DeviceRevoked(AuthError):
    """The server revoked this device; after `SyncClient.sync` it has been wiped."""

    message = DEVICE_WIPED


class NotRelaisServer(SyncError):
    """Something answers at the address typed, but not a Relais server."""

    message = NOT_RELAIS


class UpgradeRequired(SyncError):
    def __init__(self, min_schema_version: int | None = None) -> None:
        super().__init__(UPGRADE)
        self.min_schema_version = min_schema_version


class ServerError(SyncError):
    def __init__(
        self, detail: str, status: int | None = None, retry_after: float | None = None
    ) -> None:
        prefix = f"Erreur du serveur ({status})" if status else "Erreur du serveur"
        super().__init__(f"{prefix} : {detail}")
        self.detail = detail
        self.status = status
        self.retry_after = retry_after
        """Seconds the server asked to wait before trying again (`Retry-After`)."""

"""A person's pathway: status, freins, referents, timeline, and the actions on it."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

import flet as ft

from app.field.context import use_field
from app.field.screens.person_forms import (
    AppointmentForm,
    ContactForm,
    ExitForm,
    FollowupForm,
    LinkContactForm,
    OrientationForm,
    OutcomeForm,
    WithdrawForm,
)
from app.field.state.person_record import person_facts
from app.field.widgets.flash import Flash
from app.field.widgets.frame import screen
from app.field.widgets.nav import field_nav
from app.store import LocalRow
from app.ui.format import day
from app.ui.widgets import (
    PRIMARY,
    banner,
    big_button,
    named_button,
    section,
    sync_marker,
    tappable,
    use_reveal,
)
from domain.entities import person_display_name
from domain.pathway import Pathway, TimelineEntry, referent_label
from domain.vocabulary import ExitType, Frein, OrientationOutcome, OrientationStatus

if TYPE_CHECKING:
    from app.field.state.field_state import FieldState

DASH = "—"

NEXT_STATUSES = {
    OrientationStatus.PROPOSED: (
        OrientationStatus.ACCEPTED,
        OrientationStatus.REFUSED,
        OrientationStatus.NO_FOLLOW_UP,
    ),
    OrientationStatus.ACCEPTED: (
        OrientationStatus.APPOINTMENT,
        OrientationStatus.REFUSED,
        OrientationStatus.NO_FOLLOW_UP,
    ),
    OrientationStatus.APPOINTMENT: (OrientationStatus.ATTENDED, OrientationStatus.NO_FOLLOW_UP),
}
ACTIONS = (
    ("contact", "Ajouter un contact", ft.Icons.CHAT),
    ("orientation", "Orienter", ft.Icons.ALT_ROUTE),
    ("followup", "Prévoir une relance", ft.Icons.NOTIFICATIONS_ACTIVE),
    ("link", "Rattacher un contact anonyme", ft.Icons.LINK),
    ("exit", "Enregistrer une sortie", ft.Icons.LOGOUT),
    ("edit", "Modifier la fiche", ft.Icons.EDIT),
)


def _fact(label: str, value: str, key: str) -> ft.Control:
    return ft.Row(
        [
            ft.Text(label, size=14, width=120, color=ft.Colors.GREY_800),
            ft.Text(value, size=16, weight=ft.FontWeight.W_600, expand=True, key=key),
        ],
        vertical_alignment=ft.CrossAxisAlignment.START,
    )


@ft.component
def PersonScreen() -> ft.Control:
    state = use_field()
    _ = state.revision  # re-read after every local write
    person_id = ft.use_route_params().get("id", "")
    panel, set_panel = ft.use_state("")
    scroll = ft.use_memo(lambda: ft.Ref[ft.Column](), [])
    row = state.view.get("person", person_id)
    pathway = state.pathways.pathway(person_id) if row else None
    if row is None or pathway is None:
        return screen(
            "Personne",
            [banner("Cette personne n'est pas (encore) sur ce téléphone.", error=True)],
            bottom=field_nav("nav-persons"),
        )
    data = row.data
    name = person_display_name(data)

    def close() -> None:
        set_panel("")

    def open_action(kind: str) -> None:
        if kind == "edit":
            ft.context.page.navigate(f"/personne/{person_id}/modifier")
        else:
            set_panel(kind)

    body: list[ft.Control] = [*_survivor_link(data), Flash(f"/personne/{person_id}")]
    body.append(_facts(state, row, pathway))
    if not (pathway.referent_chosen and pathway.referent_id == state.user.get("id")):
        body.append(_become_referent(state, person_id))
    body += [_to_fix(c) for c in state.pathways.contacts_to_fix(person_id)]
    if pathway.open_followups:
        body.append(_open_followups(state, pathway))
    forms: dict[str, Callable[..., ft.Control]] = {
        "contact": ContactForm,
        "orientation": OrientationForm,
        "followup": FollowupForm,
        "exit": ExitForm,
        "link": LinkContactForm,
    }
    if panel in forms:
        body.append(forms[panel](person_id, close, scroll=scroll))
    else:
        body.append(_actions(data, open_action))
    if state.notice and state.pathways.undo_orientation_id:
        # Where the orientation was, not above the fold the tap scrolled away from.
        body.append(_undo_withdraw(state, state.notice))
    body.append(
        section(
            f"Parcours ({pathway.contact_count} contact(s), "
            f"{pathway.orientation_count} orientation(s))",
            *[_entry(e, scroll) for e in pathway.timeline],
        )
    )
    return screen(name, body, bottom=field_nav("nav-persons"), scroll=scroll)


def _survivor_link(data: dict[str, Any]) -> list[ft.Control]:
    """A duplicate merged into another record leads to it."""
    if not data.get("merged_into"):
        return []
    return [
        big_button(
            "Fiche fusionnée : ouvrir la fiche principale",
            key="open-survivor",
            on_click=lambda _: ft.context.page.navigate(f"/personne/{data['merged_into']}"),
        )
    ]


def _become_referent(state: FieldState, person_id: str) -> ft.Control:
    return ft.Row(
        [
            big_button(
                "Devenir référent·e",
                key="become-referent",
                icon=ft.Icons.HOW_TO_REG,
                filled=False,
                on_click=lambda _: state.pathways.become_referent(person_id),
            )
        ]
    )


def _facts(state: FieldState, row: LocalRow, pathway: Pathway) -> ft.Control:
    """Status, freins, référents and the record's facts, as the pathway tells them."""
    data = row.data
    # Freins are identified contact after contact: the person's and every contact's.
    freins = ", ".join(Frein(f).label for f in pathway.freins) or "aucun noté"
    status = pathway.status.label
    if data.get("exit_type"):
        exit_type = ExitType(data["exit_type"])
        status += f" · {exit_type.label}{' (positive)' if exit_type.positive else ''}"
    referents = (
        ", ".join(
            referent_label(state.pathways.member_name(r.mediator_id), r.since, r.until)
            for r in pathway.referent_periods
        )
        or "—"
    )
    referent = (
        f"{state.pathways.member_name(pathway.referent_id)}"
        f"{' (choisi·e)' if pathway.referent_chosen else ' (dernier contact)'}"
        if pathway.referent_id
        else "—"
    )
    qpvs = {q.code: q.name for q in state.referentials.qpvs} if state.referentials else {}
    return ft.Column(
        [
            *sync_marker(row.pending, row.error, key="person-sync"),
            _fact("Statut", status, "pw-status"),
            _fact("Freins", freins, "pw-freins"),
            _fact("1er contact", day(pathway.first_contact, empty=DASH), "pw-first"),
            _fact("Dernier contact", day(pathway.last_contact, empty=DASH), "pw-last"),
            _fact("Référent·e", referent, "pw-referent"),
            _fact("Référents", referents, "pw-referents"),
            *[_fact(label, value, key) for label, value, key in person_facts(data, qpvs)],
        ],
        spacing=6,
    )


def _to_fix(contact: LocalRow) -> ft.Control:
    when = day(contact.data.get("occurred_at"), empty="—")
    return tappable(
        ft.Text(
            f"À corriger ({when}) : {contact.data.get('review_comment') or 'voir le contact'}",
            size=15,
            color=ft.Colors.RED_900,
            weight=ft.FontWeight.BOLD,
        ),
        label=f"Corriger le contact du {when}",
        key=f"fix-{contact.id}",
        on_click=lambda _, cid=contact.id: ft.context.page.navigate(f"/contact/{cid}"),
    )


def _open_followups(state: FieldState, pathway: Pathway) -> ft.Control:
    return section(
        "Relances à faire",
        *[
            ft.Row(
                [
                    ft.Text(
                        f"{day(f.when, empty='—')} · {f.title}"
                        + (f" ({f.detail})" if f.detail else ""),
                        size=15,
                        expand=True,
                        color=ft.Colors.RED_900 if f.detail else None,
                    ),
                    named_button(
                        "Fait",
                        f"Fait : {f.title}, {day(f.when, empty='—')}",
                        key=f"done-{f.row_id}",
                        outlined=True,
                        on_click=lambda _, fid=f.row_id: state.pathways.mark_followup_done(fid),
                    ),
                ]
            )
            for f in pathway.open_followups
        ],
    )


def _actions(data: dict[str, Any], open_action: Callable[[str], None]) -> ft.Control:
    return ft.Column(
        [
            ft.Row(
                [
                    big_button(
                        label,
                        key=f"act-{kind}",
                        icon=icon,
                        filled=kind == "contact",
                        on_click=lambda _, k=kind: open_action(k),
                    )
                ]
            )
            for kind, label, icon in ACTIONS
            # A duplicate merged into another record is rectified there.
            if not (kind == "edit" and data.get("merged_into"))
        ],
        spacing=8,
    )


def _undo_withdraw(state: FieldState, text: str) -> ft.Control:
    return banner(
        text,
        actions=[
            # Named after what it undoes: a form's own « Annuler » may be on the screen.
            ft.Semantics(
                label="Annuler le retrait",
                button=True,
                exclude_semantics=True,
                on_tap=lambda _: state.pathways.undo_withdraw_orientation(),
                content=ft.TextButton(
                    "Annuler",
                    key="undo-orientation",
                    on_click=lambda _: state.pathways.undo_withdraw_orientation(),
                    style=ft.ButtonStyle(color=ft.Colors.WHITE),
                    height=48,
                ),
            )
        ],
    )


def _orientation_details(data: dict[str, object]) -> list[ft.Control]:
    out: list[ft.Control] = []
    if data.get("appointment_date"):
        out.append(ft.Text(f"Rendez-vous le {day(str(data['appointment_date']))}", size=14))
    if data.get("outcome"):
        out.append(
            ft.Text(
                f"Résultat : {OrientationOutcome(str(data['outcome'])).label}",
                size=14,
                weight=ft.FontWeight.W_600,
            )
        )
    return out


def _about(entry: TimelineEntry) -> str:
    """« vers <partner> »: what an orientation's buttons are named after."""
    return entry.title.replace("Orientation vers ", "vers ")


def _orientation_actions(entry: TimelineEntry, set_panel: Any) -> ft.Control:
    """Correct, date, report, withdraw; each named after the orientation it acts on."""
    about = _about(entry)
    actions = (
        ("fix", "Corriger", f"Corriger l'orientation {about}"),
        ("appointment", "Rendez-vous", f"Rendez-vous de l'orientation {about}"),
        ("outcome", "Résultat", f"Résultat de l'orientation {about}"),
        ("withdraw", "Retirer", f"Retirer l'orientation {about}"),
    )
    return ft.Row(
        [
            named_button(
                text,
                name,
                key=f"or-{kind}-{entry.row_id}",
                on_click=lambda _, k=kind: set_panel(k),
            )
            for kind, text, name in actions
        ],
        wrap=True,
        spacing=4,
        run_spacing=4,
    )


def _status_buttons(
    state: FieldState, entry: TimelineEntry, nexts: Iterable[OrientationStatus]
) -> ft.Control:
    """The statuses an orientation may move to, each named after the orientation."""
    return ft.Row(
        [
            named_button(
                s.label,
                f"{s.label} : orientation {_about(entry)}",
                key=f"os-{entry.row_id}-{s.value}",
                outlined=True,
                on_click=lambda _, st=s: state.pathways.set_orientation_status(entry.row_id, st),
            )
            for s in nexts
        ],
        wrap=True,
        spacing=8,
        run_spacing=8,
    )


@ft.component
def _entry(entry: TimelineEntry, scroll: ft.Ref[ft.Column] | None = None) -> ft.Control:
    state = use_field()
    lines: list[ft.Control] = [
        ft.Text(
            f"{day(entry.when, empty='—')} · {entry.title}", size=15, weight=ft.FontWeight.BOLD
        ),
    ]
    if entry.detail:
        lines.append(ft.Text(entry.detail, size=14))
    if entry.author_id:
        lines.append(ft.Text(f"par {state.pathways.member_name(entry.author_id)}", size=13))
    panel, set_panel = ft.use_state("")
    # A form opened under an orientation low on the screen is brought up with it,
    # not left under the fold (« Résultat » tapped, its choices out of sight).
    use_reveal(scroll, f"entry-{entry.row_id}", panel)
    if entry.kind in ("orientation", "followup", "contact"):
        synced = state.view.get(entry.kind, entry.row_id)
        if synced is not None:
            lines.extend(sync_marker(synced.pending, synced.error, key=f"sync-{entry.row_id}"))
    if entry.kind == "orientation":
        row = state.view.get("orientation", entry.row_id)
        current = OrientationStatus(row.data["status"]) if row else None
        if row is not None:
            lines.extend(_orientation_details(row.data))
        nexts = NEXT_STATUSES.get(current, ()) if current else ()
        if nexts:
            lines.append(_status_buttons(state, entry, nexts))
        if row is not None:
            lines.append(_orientation_actions(entry, set_panel))
            close = lambda: set_panel("")  # noqa: E731
            forms = {
                "fix": lambda: OrientationForm(row.data["person_id"], close, entry.row_id),
                "appointment": lambda: AppointmentForm(entry.row_id, close),
                "outcome": lambda: OutcomeForm(entry.row_id, close),
                "withdraw": lambda: WithdrawForm(entry.row_id, close),
            }
            if panel in forms:
                lines.append(forms[panel]())
    return ft.Container(
        key=ft.ScrollKey(f"entry-{entry.row_id}"),  # type: ignore[call-arg]
        content=ft.Column(lines, spacing=2),
        padding=ft.Padding.only(left=10, top=6, bottom=6),
        border=ft.Border.only(left=ft.BorderSide(4, PRIMARY)),
    )

"""New person + identified contact, with "already met?" candidates before saving."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection
from dataclasses import asdict, dataclass, field, replace
from typing import TYPE_CHECKING, Any, Protocol, cast

import flet as ft

from app.field.context import use_field, use_field_form
from app.field.state.person_record import age_problem, draft_values
from app.field.widgets.frame import screen
from app.store import LocalRow
from app.ui.widgets import (
    FT_ANSWERS,
    GENDER_ANSWERS,
    QPV_ANSWERS,
    banner,
    big_button,
    choice_chips,
    section,
    use_reveal,
    warning_for,
)
from domain.entities import FieldsError, person_display_name
from domain.matching import MatchEvidence
from domain.minimisation import sensitivity_warning
from domain.vocabulary import Channel, Frein, TriState

if TYPE_CHECKING:
    from app.field.state.field_state import FieldState

DRAFT_KEY = "new-person"


class Edit(Protocol):
    def __call__(self, **changes: Any) -> None: ...


@dataclass(frozen=True)
class PersonForm:
    first_name: str = ""
    last_name: str = ""
    age: str = ""
    phone: str = ""
    gender: str = ""
    qpv: str = ""
    ft_registration: str = ""
    freins: frozenset[str] = field(default_factory=frozenset)
    need: str = ""
    notice: bool = False
    channel: str = ""  # outside an action de terrain only (empty: pied d'immeuble)

    def to_draft(self) -> dict[str, Any]:
        return {**asdict(self), "freins": sorted(self.freins)}

    @classmethod
    def from_draft(cls, draft: dict[str, Any] | None) -> PersonForm:
        """A form restored from its saved draft; unknown or odd values are dropped."""
        if not draft:
            return cls()
        values = draft_values(cls, draft)
        if isinstance(draft.get("freins"), list):  # a JSON list in the draft
            values["freins"] = frozenset(str(v) for v in draft["freins"])
        return cls(**values)

    def validate(self) -> str | None:
        if not self.first_name.strip():
            return "Le prénom est obligatoire."
        return age_problem(self.age)

    def qpv_code(self, event_qpv: str | None, known: Collection[str]) -> str | None:
        """The person's QPV: the running action's, when they said they live in one."""
        return event_qpv if self.qpv == TriState.YES.value and event_qpv in known else None

    def person_values(self, qpv_code: str | None) -> dict[str, Any]:
        values: dict[str, Any] = {
            "first_name": self.first_name.strip(),
            "info_notice_given": self.notice,
        }
        optional = {
            "last_name": self.last_name.strip(),
            "phone": self.phone.strip(),
            "gender": self.gender,
            "ft_registration": self.ft_registration,
            "need": self.need.strip(),
            # The answer as given ("no" counts in the indicators), and which QPV
            # when it is known.
            "qpv_resident": self.qpv,
            "qpv_code": qpv_code,
        }
        values.update({k: v for k, v in optional.items() if v})
        if self.notice:
            values["info_notice_at"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        if self.age.strip():
            values["declared_age"] = int(self.age)
        if self.freins:
            values["freins"] = sorted(self.freins)
        return values

    def contact_values(self) -> dict[str, Any]:
        values: dict[str, Any] = {"info_notice_given": self.notice}
        if self.freins:
            values["freins"] = sorted(self.freins)
        if self.need.strip():
            values["need"] = self.need.strip()
        return values


def _candidate_card(row: LocalRow, evidence: MatchEvidence, on_pick: Any) -> ft.Control:
    data = row.data
    age = f"{data['declared_age']} ans" if data.get("declared_age") else ""
    name = person_display_name(data)
    return ft.Container(
        content=ft.Column(
            [
                ft.Text(f"{name} {age}".strip(), size=17, weight=ft.FontWeight.BOLD),
                ft.Text("Indices : " + ", ".join(evidence.reasons), size=14),
                ft.Row(
                    [
                        big_button(
                            f"C'est {name}",
                            key=f"candidate-{row.id}",
                            on_click=on_pick,
                            filled=False,
                        )
                    ]
                ),
            ],
            spacing=4,
        ),
        bgcolor=ft.Colors.AMBER_50,
        padding=12,
        border_radius=10,
    )


def _text(
    form: PersonForm, edit: Edit, label: str, attr: str, key: str, **extra: Any
) -> ft.Control:
    return ft.TextField(
        label=label,
        key=key,
        value=getattr(form, attr),
        text_size=17,
        on_change=lambda e: edit(**{attr: e.control.value}),
        **extra,
    )


def _identity(form: PersonForm, edit: Edit) -> list[ft.Control]:
    return [
        _text(form, edit, "Prénom *", "first_name", "p-first"),
        _text(form, edit, "Nom", "last_name", "p-last"),
        _text(
            form, edit, "Âge", "age", "p-age", keyboard_type=ft.KeyboardType.NUMBER, max_length=3
        ),
        _text(
            form,
            edit,
            "Téléphone (facultatif)",
            "phone",
            "p-phone",
            keyboard_type=ft.KeyboardType.PHONE,
        ),
    ]


def _answers(form: PersonForm, edit: Edit, latest: Callable[[], PersonForm]) -> list[ft.Control]:
    """Gender, QPV, France Travail and freins: one tap each."""
    return [
        section(
            "Genre",
            choice_chips(
                GENDER_ANSWERS,
                form.gender,
                lambda v: edit(gender="" if v == latest().gender else v),
                key_prefix="p-gender",
            ),
        ),
        section(
            "Habite un QPV",
            choice_chips(QPV_ANSWERS, form.qpv, lambda v: edit(qpv=v), key_prefix="p-qpv"),
        ),
        section(
            "Inscrit à France Travail",
            choice_chips(
                FT_ANSWERS,
                form.ft_registration,
                lambda v: edit(ft_registration=v),
                key_prefix="p-ft",
            ),
        ),
        section(
            "Freins",
            choice_chips(
                Frein.choices(),
                set(form.freins),
                lambda v: edit(freins=latest().freins ^ {v}),
                key_prefix="p-frein",
            ),
        ),
    ]


def _contact(
    form: PersonForm, edit: Edit, latest: Callable[[], PersonForm], during_event: bool
) -> list[ft.Control]:
    """The need, the contact's channel (outside an action) and the notice given."""
    # During an action de terrain the contact is one of the action's; met
    # otherwise, it may have been a call, an appointment, an escort.
    channel = [
        section(
            "Canal du contact",
            choice_chips(
                Channel.choices(),
                form.channel or Channel.FOOT_OF_BUILDING.value,
                lambda v: edit(channel=v),
                key_prefix="p-channel",
            ),
        )
    ]
    return [
        _text(form, edit, "Besoin exprimé", "need", "p-need", multiline=True, max_length=280),
        *warning_for(form.need, sensitivity_warning(form.need)),
        *([] if during_event else channel),
        # A chip like the answers above (a bare checkbox is a 40 px target).
        choice_chips(
            [("given", "Notice d'information remise")],
            "given" if form.notice else None,
            lambda _: edit(notice=not latest().notice),
            key_prefix="p-notice",
        ),
    ]


def _candidates(
    found: list[tuple[LocalRow, MatchEvidence]],
    save: Callable[[str | None], None],
    *,
    anchor: bool = False,
) -> list[ft.Control]:
    """Who this may already be, each one tap away (`anchor`: scrolled to on submit)."""
    title = section("Déjà rencontré ? Personnes proches sur ce téléphone :")
    head = (
        ft.Container(content=title, key=ft.ScrollKey("p-matches"))  # type: ignore[call-arg]
        if anchor
        else title
    )
    return [
        head,
        *[_candidate_card(row, ev, lambda _, rid=row.id: save(rid)) for row, ev in found],
    ]


def _ending(
    matches: list[tuple[LocalRow, MatchEvidence]] | None,
    save: Callable[[str | None], None],
    cancel: Callable[[ft.Event], None],
    submit: Callable[[ft.Event], None],
) -> list[ft.Control]:
    """Once submitted with candidates: them and « new person »; else cancel / save."""
    if matches:
        return [
            *_candidates(matches, save, anchor=True),
            ft.Row(
                [
                    big_button(
                        "Non, c'est une nouvelle personne",
                        key="p-save-new",
                        on_click=lambda _: save(None),
                    )
                ]
            ),
        ]
    return [
        ft.Row(
            [
                big_button("Annuler", key="p-cancel", filled=False, on_click=cancel),
                big_button("Enregistrer", key="p-submit", on_click=submit),
            ],
            spacing=12,
        )
    ]


@ft.component
def NewPersonScreen() -> ft.Control:
    state = use_field()
    # What was typed before the app was closed comes back (DRAFT_KEY in the store's meta).
    restored = ft.use_memo(lambda: PersonForm.from_draft(state.view.draft(DRAFT_KEY)), [])
    # Handlers read through `fields`, never this render's values (see form_state).
    fields = use_field_form(form=restored, matches=None)
    form: PersonForm = fields["form"]
    error, set_error = ft.use_state("")
    scroll = ft.use_memo(lambda: ft.Ref[ft.Column](), [])
    use_reveal(scroll, "p-error", error)
    # (row, evidence) pairs once checked; None until the mediator first submits
    matches = cast(list[tuple[LocalRow, MatchEvidence]] | None, fields["matches"])

    def latest() -> PersonForm:
        return cast(PersonForm, fields["form"])

    def edit(**changes: Any) -> None:
        # From the latest values, not this render's: keystrokes in two fields can
        # arrive before the screen re-renders.
        new = replace(latest(), **changes)
        state.keep_draft(DRAFT_KEY, new.to_draft())
        fields.set("form", new)
        fields.set("matches", None)  # the candidates depend on what was typed

    event = state.current_event()
    save = _saver(state, latest, set_error, event)

    def cancel(_: ft.Event) -> None:
        state.store.clear_draft(DRAFT_KEY)
        ft.context.page.navigate("/")

    def submit(_: ft.Event) -> None:
        form = latest()
        problem = form.validate()
        if problem:
            set_error(problem)
            return
        set_error("")
        if fields["matches"] is None:
            found = state.view.person_candidates(form.person_values(None))
            if found:
                fields.set("matches", found)
                return
        save(None)

    use_reveal(scroll, "p-matches", bool(matches))
    live = _use_live_candidates(state, form)
    body: list[ft.Control] = [
        *_identity(form, edit),
        *(_candidates(live, save) if live and matches is None else []),
        *_answers(form, edit, latest),
        *_contact(form, edit, latest, event is not None),
        *([banner(error, error=True, reveal_key="p-error")] if error else []),
        *_ending(matches, save, cancel, submit),
    ]
    return screen("Nouvelle personne", body, scroll=scroll)


def _use_live_candidates(
    state: FieldState, form: PersonForm
) -> list[tuple[LocalRow, MatchEvidence]]:
    """Hook: who this may already be, while the name is typed (the same check as on
    saving), shown right under the name fields, where the eyes are."""
    typed = (form.first_name.strip(), form.last_name.strip(), form.age.strip(), form.phone.strip())
    found: list[tuple[LocalRow, MatchEvidence]] = ft.use_memo(
        lambda: (
            state.view.person_candidates(form.person_values(None))
            if typed[0] and (typed[1] or typed[3])
            else []
        ),
        [typed, state.revision],
    )
    return found


def _saver(
    state: FieldState,
    latest: Callable[[], PersonForm],
    set_error: Callable[[str], None],
    event: LocalRow | None,
) -> Callable[[str | None], None]:
    """Save the person (or a contact for `existing_id`) and land on her record."""
    qpv_codes = [q.code for q in state.referentials.qpvs] if state.referentials else []
    # The answer is always kept (`qpv_resident`); "yes" also records the current
    # event's QPV as the person's when there is one (« Modifier la fiche » picks another).
    event_qpv = event.data.get("qpv_code") if event else None

    def save(existing_id: str | None) -> None:
        form = latest()
        try:
            person_id = state.save_person_with_contact(
                form.person_values(form.qpv_code(event_qpv, qpv_codes)),
                form.contact_values(),
                existing_id,
                channel=None if event else Channel(form.channel or Channel.FOOT_OF_BUILDING),
            )
        except (FieldsError, ValueError) as exc:
            set_error(f"Non enregistré : {exc}")
            return
        state.store.clear_draft(DRAFT_KEY)
        # On the person's record: « Orienter » and « Prévoir une relance » one tap away.
        ft.context.page.navigate(f"/personne/{person_id}")

    return save

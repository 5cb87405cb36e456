"""The console's rights and retention state (docs/architecture.md §4.6, §4.7) against a mock server:
export a person's data, erase it (with a reason), the 30-day anonymisation list."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from app.console.state.api import UNREACHABLE, ConsoleApi
from app.console.state.review_state import PersonsState
from app.console.state.rights_state import RightsState, reason_problem
from domain.api.review import PathwayOut, PersonSummary
from domain.api.security import RetentionDue

AICHA = "01900000-0000-7000-8000-00000000a1c4"
DUPLICATE = "01900000-0000-7000-8000-00000000d0b1"
KEVIN = "01900000-0000-7000-8000-00000000ae71"
DUE = {
    "person_id": AICHA,
    "display_name": "Aïcha N'DIAYE",
    "last_contact": "2024-07-02T10:30:00Z",
    "anonymised_on": "2026-07-02",
}


def _item(person_id: str, name: str | None = None) -> dict[str, Any]:
    """A line of the persons list, as the server sends it (`PersonSummary`)."""
    return {
        "id": person_id,
        "display_name": name or person_id[-4:],
        "birth_year": None,
        "age": None,
        "phone_masked": None,
        "qpv_code": None,
        "qpv_name": None,
        "contact_count": 1,
        "status": None,
        "status_label": None,
        "merged_into": None,
    }


def _pathway(person_id: str = AICHA, merged: tuple[str, ...] = ()) -> PathwayOut:
    return PathwayOut(
        person=PersonSummary(**_item(person_id, "Aïcha N'DIAYE")),
        merged_persons=[PersonSummary(**_item(m, "Aicha NDIAYE")) for m in merged],
        status="in_contact",
        status_label="En contact",
        first_contact=None,
        last_contact=None,
        contact_count=1,
        orientation_count=0,
        referents=[],
        exit_label=None,
        exit_date=None,
        timeline=[],
        open_followups=[],
    )


class Server:
    """A mock of the three rights routes (and the persons list), with what it received."""

    def __init__(self, erase: httpx.Response | None = None) -> None:
        self.requests: list[httpx.Request] = []
        self.upcoming: list[dict[str, Any]] = [DUE]
        self.persons = [_item(AICHA), _item(DUPLICATE), _item(KEVIN)]
        self.erase = erase

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        path = request.url.path
        if path == "/console/retention/upcoming":
            return httpx.Response(200, json=self.upcoming)
        if path == f"/console/persons/{AICHA}/export":
            doc = {"personne": {"prénom": "Aïcha"}, "contacts": [{"note": "atelier CV"}]}
            return httpx.Response(
                200,
                content=json.dumps(doc, ensure_ascii=False).encode(),
                headers={
                    "content-disposition": f'attachment; filename="relais-personne-{AICHA}.json"'
                },
            )
        if path.endswith("/export"):
            return httpx.Response(404, json={"detail": "Personne introuvable dans votre cité."})
        if path == f"/console/persons/{AICHA}/erase":
            if self.erase is not None:
                return self.erase
            self.upcoming = []
            self.persons = [_item(KEVIN)]
            detail = (
                "Données effacées (5 fiche(s)) ; les téléphones les retireront "
                "à la prochaine synchronisation."
            )
            return httpx.Response(
                200, json={"person_id": AICHA, "rows_erased": 5, "detail": detail}
            )
        if path == "/console/persons":
            page = {"items": self.persons, "total": len(self.persons), "page": 1, "page_size": 15}
            return httpx.Response(200, json=page)
        return httpx.Response(404, json={"detail": "Introuvable."})

    def paths(self, method: str = "") -> list[str]:
        return [r.url.path for r in self.requests if not method or r.method == method]


def _api(handler: Callable[[httpx.Request], httpx.Response]) -> ConsoleApi:
    return ConsoleApi("http://relais.test", token="tok", transport=httpx.MockTransport(handler))


def _erase(rights: RightsState, reason: str, persons: PersonsState) -> Any:
    """The reason typed in the dialog, then « Effacer définitivement »."""
    rights.reason_edited(reason)
    return rights.erase(persons.forget)


def _down(request: httpx.Request) -> httpx.Response:
    raise httpx.ConnectError("no route to host", request=request)


def _shown(server: Server) -> tuple[RightsState, PersonsState]:
    """The Parcours section with Aïcha's pathway open and the erasure asked for."""
    rights, persons = RightsState(api=_api(server)), PersonsState(api=_api(server))
    asyncio.run(persons.search(""))
    asyncio.run(rights.load_upcoming())
    persons.pathway = _pathway(merged=(DUPLICATE,))
    rights.ask_erase(persons.pathway)
    return rights, persons


def test_the_30_day_list_is_read_with_the_supervisors_token() -> None:
    server = Server()
    rights = RightsState(api=_api(server))
    assert not rights.loaded
    asyncio.run(rights.load_upcoming())
    assert rights.loaded and rights.upcoming == [RetentionDue.model_validate(DUE)]
    assert rights.due_on(AICHA) == "2026-07-02" and rights.due_on(KEVIN) is None
    assert server.requests[0].headers["authorization"] == "Bearer tok"
    server.upcoming = []
    asyncio.run(rights.load_upcoming())
    assert rights.upcoming == [] and rights.error is None


def test_the_30_day_list_says_when_the_server_is_out_of_reach() -> None:
    rights = RightsState(api=_api(_down))
    asyncio.run(rights.load_upcoming())
    assert rights.error == UNREACHABLE
    assert not rights.loaded and not rights.busy


def test_export_hands_the_servers_file_to_save() -> None:
    saved: list[tuple[str, bytes]] = []

    async def save(name: str, content: bytes) -> bool:
        saved.append((name, content))
        return True

    rights = RightsState(api=_api(Server()))
    asyncio.run(rights.export(_pathway().person, save))
    [(name, content)] = saved
    assert name == f"relais-personne-{AICHA}.json"
    assert json.loads(content)["contacts"][0]["note"] == "atelier CV"
    assert rights.notice is not None
    assert re.fullmatch(
        rf"Données de Aïcha N'DIAYE exportées \(0,\d Ko\) : « {name} »\.", rights.notice
    )
    assert rights.fetching == "" and rights.error is None


def test_the_last_message_goes_when_another_person_is_shown() -> None:
    rights = RightsState(api=_api(Server()))
    rights.notice = "Données de Aïcha N'DIAYE exportées (1,0 Ko) : « a.json »."
    rights.dismiss()
    assert rights.notice is None
    rights.ask_erase(_pathway())
    rights.error = "Motif trop court : 3 caractères au moins."
    rights.dismiss()  # not while the dialog is open: it shows that message
    assert rights.error is not None


def test_export_failures_read_in_french() -> None:
    async def save(name: str, content: bytes) -> bool:
        raise AssertionError("nothing to save")

    rights = RightsState(api=_api(Server()))
    asyncio.run(rights.export(PersonSummary(**_item(KEVIN, "Kévin")), save))
    assert rights.error == "Personne introuvable dans votre cité."
    rights = RightsState(api=_api(_down))
    asyncio.run(rights.export(_pathway().person, save))
    assert (rights.error, rights.notice, rights.fetching) == (UNREACHABLE, None, "")


@pytest.mark.parametrize(
    ("reason", "problem"),
    [
        ("", "Indiquez le motif"),
        ("   ", "Indiquez le motif"),
        ("ok", "Motif trop court : 3 caractères au moins."),
        ("x" * 201, "Motif trop long : 200 caractères au plus."),
        ("  demande de la personne  ", None),
    ],
)
def test_an_erasure_needs_a_short_reason(reason: str, problem: str | None) -> None:
    found = reason_problem(reason)
    assert (found is None) if problem is None else (found or "").startswith(problem)


def test_no_erasure_is_sent_without_a_reason() -> None:
    server = Server()
    rights, persons = _shown(server)
    assert asyncio.run(_erase(rights, "  ", persons)) is False
    assert rights.error is not None and rights.error.startswith("Indiquez le motif")
    assert rights.erasing is not None and persons.pathway is not None  # the dialog stays
    assert "POST" not in {r.method for r in server.requests}
    rights.reason_edited("d")  # typing one makes the message out of date
    assert rights.error is None and rights.erasing is not None


def test_erasure_sends_the_reason_and_the_person_leaves_the_screen() -> None:
    server = Server()
    rights, persons = _shown(server)
    assert asyncio.run(_erase(rights, "  demande de la personne ", persons)) is True
    [post] = [r for r in server.requests if r.method == "POST"]
    assert post.url.path == f"/console/persons/{AICHA}/erase"
    assert json.loads(post.content) == {"reason": "demande de la personne"}
    assert rights.notice is not None and rights.notice.startswith("Données effacées (5 fiche(s))")
    assert rights.erasing is None and rights.error is None
    # Nothing of Aïcha (nor of the duplicate merged into her) is left on screen.
    assert persons.pathway is None
    assert [p.id for p in persons.items] == [KEVIN]
    assert rights.upcoming == []
    assert server.paths("GET")[-2:] == ["/console/persons", "/console/retention/upcoming"]
    rights.cancel_erase()  # the dialog's on_dismiss, after it closed: the message stays
    assert rights.notice is not None


@pytest.mark.parametrize(
    ("status", "detail"),
    [(409, "Cette personne a déjà été effacée."), (404, "Personne introuvable dans votre cité.")],
)
def test_a_person_already_gone_leaves_the_screen_with_the_servers_words(
    status: int, detail: str
) -> None:
    server = Server(erase=httpx.Response(status, json={"detail": detail}))
    rights, persons = _shown(server)
    server.persons = [_item(KEVIN)]  # erased elsewhere in the meantime
    assert asyncio.run(_erase(rights, "demande de la personne", persons)) is False
    assert rights.error == detail
    assert rights.erasing is None and persons.pathway is None
    assert [p.id for p in persons.items] == [KEVIN]
    rights.cancel_erase()
    assert rights.error == detail


def test_an_erasure_that_did_not_reach_the_server_keeps_the_dialog_open() -> None:
    server = Server()
    rights, persons = _shown(server)
    rights.api = _api(_down)
    assert asyncio.run(_erase(rights, "demande de la personne", persons)) is False
    assert rights.error == UNREACHABLE
    assert rights.erasing is not None and persons.pathway is not None
    assert not rights.busy
    rights.cancel_erase()
    assert rights.erasing is None and rights.error is None
    assert persons.pathway is not None  # cancelling erases nothing, closes nothing else


def test_forgetting_the_last_line_of_a_page_goes_back_one_page() -> None:
    pages = {1: [_item(KEVIN)], 2: []}

    def handler(request: httpx.Request) -> httpx.Response:
        page = int(request.url.params["page"])
        body = {"items": pages[page], "total": 1, "page": page, "page_size": 15}
        return httpx.Response(200, json=body)

    persons = PersonsState(api=_api(handler))
    persons.items = [PersonSummary(**_item(AICHA))]
    persons.page, persons.pathway = 2, _pathway()
    asyncio.run(persons.forget({AICHA}))
    assert persons.page == 1 and [p.id for p in persons.items] == [KEVIN]
    assert persons.pathway is None

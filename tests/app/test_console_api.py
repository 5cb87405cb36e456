"""The console's one API client: typed answers, the server's French reason as the one
error type, and each section's state kept for the sign-in's lifetime."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.config import AppConfig
from app.console.state.api import UNEXPECTED, UNREACHABLE, ConsoleApi, ConsoleError
from app.console.state.console_state import ConsoleState
from app.console.state.insight_state import ExportsState, IndicatorsState
from app.console.state.review_state import ReviewQueue
from app.console.widgets.review_widgets import distinct
from domain.api.console import ConsoleContact
from domain.sync import MemberOut, QpvOut, ReferentialsOut

CONTACT: dict[str, Any] = {
    "id": "01900000-0000-7000-8000-0000000c0001",
    "occurred_at": "2026-12-03T10:30:00Z",
    "channel": "street",
    "channel_label": "Pied d'immeuble",
    "mediator_id": "01900000-0000-7000-8000-0000000a0001",
    "mediator_name": "Amina Diallo",
    "event": None,
    "person": None,
    "age_band": "under_26",
    "age_band_label": "Moins de 26 ans",
    "gender": None,
    "gender_label": None,
    "qpv_resident": None,
    "qpv_resident_label": None,
    "freins": [],
    "freins_labels": [],
    "need": None,
    "note": None,
    "review_state": "received",
    "review_state_label": "Reçu",
    "review_comment": None,
    "version": 7,
}
REFERENTIALS = ReferentialsOut(
    cite_id="01900000-0000-7000-8000-0000000c17e0",
    cite_name="Creil",
    qpvs=[QpvOut(code="QN0601234", name="Rouher")],
    partners=[],
    members=[
        MemberOut(
            id="01900000-0000-7000-8000-0000000a0001", display_name="Amina Diallo", role="mediator"
        ),
        MemberOut(
            id="01900000-0000-7000-8000-0000000a0002",
            display_name="Sophie Lefèvre",
            role="supervisor",
        ),
    ],
).model_dump(mode="json")


def _api(answer: httpx.Response | Exception, seen: list[httpx.Request] | None = None) -> ConsoleApi:
    def handler(request: httpx.Request) -> httpx.Response:
        if seen is not None:
            seen.append(request)
        if isinstance(answer, Exception):
            raise answer
        return answer

    return ConsoleApi("http://relais.test", token="tok", transport=httpx.MockTransport(handler))


def test_an_answer_is_read_into_the_servers_model() -> None:
    seen: list[httpx.Request] = []
    page = {"items": [CONTACT], "total": 1, "page": 2, "page_size": 20}
    api = _api(httpx.Response(200, json=page), seen)
    result = api.contacts(page=2, page_size=20, review_state="received", qpv="")
    assert result.items == [ConsoleContact.model_validate(CONTACT)]
    assert (result.total, result.page) == (1, 2)
    # Empty filters are not sent; the token is.
    assert dict(seen[0].url.params) == {"page": "2", "page_size": "20", "review_state": "received"}
    assert seen[0].headers["authorization"] == "Bearer tok"


def test_a_refusal_carries_the_servers_french_reason_and_status() -> None:
    detail = "Ce contact a été modifié entre-temps : rechargez la liste."
    api = _api(httpx.Response(409, json={"detail": detail}))
    with pytest.raises(ConsoleError) as caught:
        api.review(CONTACT["id"], "validated", None, 7)
    assert (str(caught.value), caught.value.status) == (detail, 409)


def test_a_server_out_of_reach_and_an_answer_of_another_shape_are_said_in_french() -> None:
    down = _api(httpx.ConnectError("no route to host"))
    with pytest.raises(ConsoleError, match=UNREACHABLE):
        down.conflicts()
    odd = _api(httpx.Response(200, json={"items": "not a list"}))
    with pytest.raises(ConsoleError) as caught:
        odd.persons(q="ndiaye")
    assert (str(caught.value), caught.value.status) == (UNEXPECTED, 200)


def test_a_file_comes_with_the_name_the_server_gives_it() -> None:
    headers = {"content-disposition": 'attachment; filename="relais-T4-2026.xlsx"'}
    api = _api(httpx.Response(200, content=b"x" * 2048, headers=headers))
    file = api.export("/console/exports/quarterly.xlsx", "rapport.xlsx", {})
    assert (file.name, file.size) == ("relais-T4-2026.xlsx", "2,0 Ko")


def test_a_sections_state_lives_as_long_as_the_sign_in() -> None:
    console = ConsoleState(
        config=AppConfig(None, Path("unused"), "console"), api=_api(httpx.Response(204))
    )
    queue = console.section(ReviewQueue)
    queue.filters = {**queue.filters, "review_state": "to_fix"}
    queue.dates = ("01/12/2026", "")
    queue.comment = "Préciser le besoin"
    # Back from another section: the same state, filters and text typed as they were.
    assert console.section(ReviewQueue) is queue
    assert console.section(IndicatorsState) is not console.section(ExportsState)
    console.sign_out()
    fresh = console.section(ReviewQueue)
    assert fresh is not queue and fresh.filters == {"review_state": "received"}
    assert fresh.comment == "" and console.api.token is None


def test_dates_typed_for_a_period_are_kept_until_a_period_is_chosen() -> None:
    api = _api(httpx.Response(200, json=REFERENTIALS))
    state = ExportsState(api=api)
    state.set_typed(("01/10/2026", "31/02/2026"))
    asyncio.run(state.choose_custom(*state.typed or ("", "")))
    assert state.error == "Date illisible « 31/02/2026 » : écrivez JJ/MM/AAAA."
    assert state.typed == ("01/10/2026", "31/02/2026")  # left as typed, to be corrected
    asyncio.run(state.choose_custom("01/10/2026", "30/11/2026"))
    assert state.error is None and state.typed is None
    assert (state.current.start.isoformat(), state.current.end.isoformat()) == (
        "2026-10-01",
        "2026-11-30",
    )
    asyncio.run(state.load_qpvs())
    assert [q.name for q in state.qpvs] == ["Rouher"]


def test_the_review_queue_reads_its_mediators_and_sends_the_version_it_read() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path == "/referentials":
            return httpx.Response(200, json=REFERENTIALS)
        if request.url.path.endswith("/review"):
            body = {
                "id": CONTACT["id"],
                "review_state": "to_fix",
                "review_state_label": "À corriger",
                "review_comment": "Préciser le besoin",
                "version": 8,
            }
            return httpx.Response(200, json=body)
        page = {"items": [CONTACT], "total": 1, "page": 1, "page_size": 20}
        return httpx.Response(200, json=page)

    api = ConsoleApi("http://relais.test", token="tok", transport=httpx.MockTransport(handler))
    queue = ReviewQueue(api=api)
    asyncio.run(queue.start())
    assert queue.members == [("01900000-0000-7000-8000-0000000a0001", "Amina Diallo")]
    queue.selected = queue.items[0]
    assert asyncio.run(queue.decide("to_fix")) is False  # no comment yet
    assert queue.error == "Écrivez un commentaire pour le médiateur avant « À corriger »."
    queue.comment = "  Préciser le besoin "
    assert asyncio.run(queue.decide("to_fix")) is True
    sent = json.loads(seen[-2].content)
    assert sent == {"state": "to_fix", "comment": "Préciser le besoin", "version": 7}
    assert queue.notice == "À corriger : contact anonyme." and queue.comment == ""


def test_links_that_would_read_the_same_are_numbered() -> None:
    names = ["Ouvrir le contact du 03/12/2026 10:30 de Anonyme · Moins de 26 ans"] * 2
    names.append("Ouvrir le contact du 03/12/2026 10:31 de Aïcha N'DIAYE")
    assert distinct(names) == [names[0], f"{names[0]}, 2", names[2]]

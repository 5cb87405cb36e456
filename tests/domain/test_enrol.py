"""Reading a one-time enrolment code the way a mediator types or scans it."""

from __future__ import annotations

import pytest

from domain.enrol import (
    PLAIN_HTTP,
    BadServerAddress,
    enrol_code_of,
    enrol_link_of_route,
    enrol_server_of,
    server_address_of,
)


@pytest.mark.parametrize(
    "typed",
    [
        "ABCD-2345",
        "abcd-2345",
        " abcd 2345 ",
        "ABCD2345",
        "relais://enrol?server=http%3A%2F%2Fx&code=ABCD-2345",
    ],
)
def test_typed_or_scanned_codes_read_the_same(typed: str) -> None:
    assert enrol_code_of(typed) == "ABCD-2345"


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "ABCD-234",
        "ABCD-23456",
        "ABCD-2O45",
        "ABCD-1345",
        "relais://enrol?server=x",
        "mot de passe",
    ],
)
def test_anything_else_is_not_a_code(typed: str) -> None:
    assert enrol_code_of(typed) is None


@pytest.mark.parametrize(
    ("typed", "url"),
    [
        ("relais.exemple.fr", "https://relais.exemple.fr"),
        (" https://Relais.Exemple.fr/api/ ", "https://relais.exemple.fr/api"),
        ("http://127.0.0.1:8000/", "http://127.0.0.1:8000"),
        ("http://localhost:8000", "http://localhost:8000"),
    ],
)
def test_a_server_address_is_read_as_typed(typed: str, url: str) -> None:
    assert server_address_of(typed) == url


@pytest.mark.parametrize(
    "typed",
    ["", "pas une adresse", "ftp://relais.fr", "https://", "https://x:port", "https://x/?a=1"],
)
def test_what_is_not_a_server_address_is_refused(typed: str) -> None:
    with pytest.raises(BadServerAddress):
        server_address_of(typed)


@pytest.mark.parametrize("typed", ["http://relais.exemple.fr", "http://192.0.2.10:8000"])
def test_plain_http_is_refused_but_for_this_machine(typed: str) -> None:
    with pytest.raises(BadServerAddress, match="http://") as refused:
        server_address_of(typed)
    assert str(refused.value) == PLAIN_HTTP


def test_the_qr_link_carries_the_server_and_a_deep_link_route_the_code() -> None:
    link = "relais://enrol?server=https%3A%2F%2Frelais.exemple.fr&code=ABCD-2345"
    assert enrol_server_of(link) == "https://relais.exemple.fr"
    assert enrol_server_of("ABCD-2345") is None
    opened = enrol_link_of_route("/?server=https%3A%2F%2Frelais.exemple.fr&code=ABCD-2345")
    assert opened == link
    assert enrol_code_of(opened or "") == "ABCD-2345"
    assert enrol_link_of_route("/") is None
    assert enrol_link_of_route("/personnes") is None

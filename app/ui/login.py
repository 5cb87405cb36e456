"""Login: the mediator (or supervisor) signs in once; the device is enrolled.

On the phone a mediator may instead type the one-time code an admin generated in
the console (no password to remember on the street), or paste the link its QR code
holds. A phone never enrolled also asks, once, for the server's address (a link
carries it); an enrolled phone shows the server it belongs to.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import flet as ft

from app.ui.form_state import use_form
from app.ui.secret_field import SecretField
from app.ui.widgets import PRIMARY, TAP, banner, busy_button, narrow_frame, text_field


@ft.component
def LoginScreen(
    title: str,
    error: str | None,
    busy: bool,
    on_login: Callable[[str, str, str], Awaitable[None]],
    on_enrol: Callable[[str, str], Awaitable[None]] | None = None,
    *,
    ask_server: bool = False,
    server: str | None = None,
    link: str | None = None,
) -> ft.Control:
    """`ask_server`: a phone never enrolled, whose server the mediator types once;
    `server`: the one an enrolled phone belongs to, shown. The callbacks get what was
    typed as the server's address last (empty when not asked)."""
    # Every hook here, in a fixed order: the two forms below are plain builders.
    with_code, set_with_code = ft.use_state(link is not None)
    form = use_form(username="", password="", code=link or "", server="")
    username, set_username = form["username"], form.setter("username")
    password, set_password = form["password"], form.setter("password")
    code, set_code = form["code"], form.setter("code")

    async def sign_in(_: ft.Event | None = None) -> None:
        await on_login(form["username"], form["password"], form["server"])

    async def enrol(_: ft.Event | None = None) -> None:
        if on_enrol is not None:
            await on_enrol(form["code"], form["server"])

    if with_code and on_enrol is not None:
        body = _code_form(busy, code, set_code, enrol, lambda: set_with_code(False))
    else:
        body = _password_form(busy, (username, set_username), (password, set_password), sign_in)
        if on_enrol is not None:
            body.append(
                ft.TextButton(
                    "J'ai un code d'enrôlement",
                    height=TAP,
                    icon=ft.Icons.QR_CODE_2,
                    key="login-with-code",
                    on_click=lambda _: set_with_code(True),
                )
            )
    if ask_server:
        body.insert(0, _server_field(form["server"], form.setter("server")))
    elif server:
        body.insert(0, ft.Text(f"Serveur : {server}", size=15, key="login-server"))
    if error:  # just above the buttons, where the eye is
        body.insert(-2 if on_enrol is not None else -1, banner(error, error=True))

    return _frame(title, body)


def _frame(title: str, body: list[ft.Control]) -> ft.Control:
    return narrow_frame(
        [
            ft.Text("Relais", size=40, weight=ft.FontWeight.BOLD, color=PRIMARY),
            ft.Text(title, size=17),
            *body,
        ],
        spacing=18,
    )


Setter = Callable[[str], None]
Submit = Callable[[ft.Event | None], Awaitable[None]]


def _password_form(
    busy: bool, user: tuple[str, Setter], secret: tuple[str, Setter], submit: Submit
) -> list[ft.Control]:
    (username, set_username), (password, set_password) = user, secret
    return [
        text_field("Identifiant", username, set_username, key="login-username", autofocus=True),
        SecretField(
            "Mot de passe",
            "login-password",
            password,
            lambda e: set_password(e.control.value),
            on_submit=submit,
        ),
        busy_button(
            "Se connecter", "Connexion en cours…", busy=busy, key="login-submit", on_click=submit
        ),
    ]


def _server_field(server: str, set_server: Setter) -> ft.Control:
    return text_field(
        "Adresse du serveur",
        server,
        set_server,
        key="login-server-url",
        helper="Par exemple https://relais.exemple.fr",
        keyboard_type=ft.KeyboardType.URL,
        autocorrect=False,
    )


def _code_form(
    busy: bool, code: str, set_code: Setter, submit: Submit, back: Callable[[], None]
) -> list[ft.Control]:
    return [
        ft.Text(
            "Saisissez le code à usage unique affiché dans la console, par exemple "
            "ABCD-2345 (valable 15 minutes), ou collez le lien de son QR code.",
            size=15,
        ),
        text_field(
            "Code d'enrôlement",
            code,
            set_code,
            key="enrol-code",
            on_submit=submit,
            autofocus=True,
            capitalization=ft.TextCapitalization.CHARACTERS,
            text_size=20,
        ),
        busy_button(
            "Enrôler ce téléphone",
            "Enrôlement en cours…",
            busy=busy,
            key="enrol-submit",
            on_click=submit,
        ),
        ft.TextButton(
            "Se connecter avec un mot de passe",
            height=TAP,
            key="login-with-password",
            on_click=lambda _: back(),
        ),
    ]

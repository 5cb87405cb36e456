"""The route table and router both apps are built on (field app and console)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import flet as ft

Screen = Callable[[], ft.Control]


def route_table(index: Screen, paths: Mapping[str, Screen]) -> list[ft.Route]:
    """The index route, then one route per path in the order given (Flet tries them
    in that order)."""
    return [
        ft.Route(index=True, component=index),
        *(ft.Route(path=path, component=component) for path, component in paths.items()),
    ]


def routed_app(context: Any, state: object, routes: list[ft.Route], home: Screen) -> ft.Control:
    """The app's router, inside the context through which its screens reach `state`;
    an unknown address shows `home`."""
    return context(state, lambda: ft.Router(routes, not_found=home))

"""Saving a file the console fetched through the API (exports, a person's data).

Flet's FilePicker takes the bytes: in a browser they are downloaded under `name`;
on desktop a save dialog opens.
"""

from __future__ import annotations

import flet as ft


async def save_download(name: str, content: bytes) -> bool:
    picker = ft.FilePicker()
    await picker.save_file(dialog_title="Enregistrer l'export", file_name=name, src_bytes=content)
    return True

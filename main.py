"""Relais on a phone: the entry point `flet build apk` / `flet build ipa` package.

It starts the mediators' field app; its data lives in the app's storage folder
(FLET_APP_STORAGE_DATA), kept across app updates. See README « Build the phone
app ».
"""

import flet as ft

from app.main import field_main

if __name__ == "__main__":
    ft.run(field_main)

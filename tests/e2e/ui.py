"""Driving the Flet app in Chromium the way a person does: by roles and labels."""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, Locator, Page, ViewportSize, expect

from app.console.screens.shell import SECTIONS
from app.console.widgets.review_widgets import LOADING

PHONE = {"width": 412, "height": 915}
DESKTOP = {"width": 1440, "height": 900}
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


_FOCUS_PROBE = """() => {
  const active = document.activeElement;
  const inputs = [...document.querySelectorAll('input,textarea')].map(
    (e) => `${e.tagName} label=${e.getAttribute('aria-label')} value=${JSON.stringify(e.value)}`);
  return {active: active && active.outerHTML.slice(0, 300), inputs};
}"""


# Semantics on (a click on Flutter's placeholder) as soon as the engine adds the
# placeholder, before the app draws its first screen. When a field got the focus
# before semantics were on (an autofocus racing the click, about 1 new tab in 8),
# Flutter web edited that field, and every field of the page after it, through a
# hidden input of its own: the field's semantics input, which a test finds by its
# label, stayed empty and unfocused while the screen showed the text (seen in CI: a
# PIN never focused, a sign-in that never reached the console).
_SEMANTICS_AT_START_JS = """(() => {
  const enable = (node) => {
    if (node.nodeName === 'FLT-SEMANTICS-PLACEHOLDER') {
      node.dispatchEvent(new MouseEvent('click', {bubbles: true}));
    }
  };
  new MutationObserver((records) => {
    for (const record of records) record.addedNodes.forEach(enable);
  }).observe(document, {childList: true, subtree: true});
})();"""


@dataclass
class Ui:
    page: Page
    shots: Path
    _n: list[int] = field(default_factory=lambda: [0])

    @classmethod
    def open(cls, browser: Browser, url: str, shots: Path, viewport: dict[str, int]) -> Ui:
        page = browser.new_page(viewport=viewport)  # type: ignore[arg-type]
        ui = cls(page, shots)
        ui.goto(url)
        return ui

    def goto(self, url: str) -> None:
        # Flutter draws on a canvas; its semantics tree appears once enabled.
        self.page.add_init_script(_SEMANTICS_AT_START_JS)
        self.page.goto(url)
        self.page.locator("flt-semantics").first.wait_for(state="attached", timeout=60_000)

    def shot(self, name: str) -> Path:
        self._n[0] += 1
        self.shots.mkdir(parents=True, exist_ok=True)
        path = self.shots / f"{self._n[0]:02d}-{name}.png"
        self.page.wait_for_timeout(300)  # let the frame settle
        self.page.screenshot(path=str(path))
        return path

    def button(self, name: str, exact: bool = True) -> Locator:
        return self.page.get_by_role("button", name=name, exact=exact)

    def failed(self, step: str) -> None:
        """Keep a picture of the screen as it was when a step failed (the test's own
        cleanup stops the app right after, which would leave only a spinner)."""
        # A courtesy picture must never hide the real error.
        with contextlib.suppress(Exception):
            self.shot(f"FAILED-{re.sub(r'[^A-Za-z0-9]+', '-', step)[:40]}")

    def note_focus(self, name: str) -> None:
        """Write beside the screenshots which element has the focus and what every
        text input holds: what Flutter web did with a lost keystroke."""
        with contextlib.suppress(Exception):
            state = self.page.evaluate(_FOCUS_PROBE)
            self.shots.mkdir(parents=True, exist_ok=True)
            (self.shots / f"{self._n[0]:02d}-{name}.focus.txt").write_text(repr(state) + "\n")

    def click_when_still(self, target: Locator) -> None:
        """Click once the control has stopped moving. Focusing a field makes Flutter
        scroll it into view with an animation; a click aimed at where a button was a
        moment before lands on whatever slid under it (seen: a chip ticked instead
        of « Enregistrer »). A person's eye waits for the screen to settle too.

        A control out of sight is first brought into view with the wheel, as a thumb
        swipes before tapping. Left to the click, the browser scrolls the semantics tree
        only: Flutter web does not follow that scroll, so the DOM nodes stand where the
        screen is not, and the tap lands on whatever Flutter draws there (seen: a tap on
        « Note » focusing « Besoin exprimé » above it, a tap on « Résultat » lost)."""
        self._wheel_into_view(target)
        last, same = None, 0
        for _ in range(40):
            box = target.bounding_box()
            same = same + 1 if box is not None and box == last else 0
            if same >= 2:
                break
            last = box
            self.page.wait_for_timeout(80)
        target.click()

    def _wheel_into_view(self, target: Locator) -> None:
        """One wheel turn over the scrolling view bringing `target` to its middle, if
        it is not wholly inside that view (Flutter scrolls, and its semantics follow)."""
        box = target.bounding_box()
        if box is None:
            return
        top, bottom = target.evaluate(_SCROLL_VIEW_JS)
        if top <= box["y"] and box["y"] + box["height"] <= bottom:
            return
        view = self.page.viewport_size or PHONE
        self.page.mouse.move(view["width"] / 2, (top + bottom) / 2)
        self.page.mouse.wheel(0, box["y"] + box["height"] / 2 - (top + bottom) / 2)
        # The semantics tree follows Flutter's scroll a frame or more later: wait for
        # the control to leave where it was before judging it still.
        for _ in range(40):
            self.page.wait_for_timeout(50)
            if target.bounding_box() != box:
                return

    def tap(self, name: str, exact: bool = True) -> None:
        try:
            self.click_when_still(self.button(name, exact))
        except Exception:
            self.failed(f"tap {name}")
            raise

    def section(self, label: str) -> None:
        """Go to a console section from its rail, with one click (a destination reads
        as "<label> Onglet i sur n", Flutter's French strings), once the section shown
        has finished loading, as a person waits for the page before moving on."""
        path = next(s.path for s in SECTIONS if s.label == label)
        name = re.compile(f"^{re.escape(label)} Onglet")
        destination = self.page.get_by_role("button", name=name)
        try:
            self.settled()
            self.click_when_still(destination)
            expect(self.page).to_have_url(re.compile(re.escape(path) + "$"), timeout=15_000)
        except Exception:
            self.failed(f"section {label}")
            raise

    def chip(self, name: str) -> Locator:
        return self.page.get_by_role("checkbox", name=name, exact=True)

    def ready_to_type(self, box: Locator, timeout: float = 5_000) -> None:
        """Wait, as an eye waits for the cursor, until the field tapped has the focus and
        Flutter has handed it its text (a fill landing in between is overwritten by
        the text Flutter then sets: seen as a field left empty)."""
        expect(box).to_be_focused(timeout=timeout)
        self.page.wait_for_timeout(250)

    def fill(self, label: str, text: str, shows: str | re.Pattern[str] | None = None) -> None:
        """Tap the field once and type once, as a person does; the field must then
        show it. `shows`: what the field displays when it reformats the text typed
        (default: the text)."""
        self._type(label, text, shows, tap=True)

    def type_at_cursor(self, label: str, text: str) -> None:
        """Type into the field a screen opens with the cursor in (its autofocus: sign-in,
        PIN, enrolment code), as a person does: see the cursor there, type, no tap."""
        self._type(label, text, None, tap=False)

    def _type(
        self, label: str, text: str, shows: str | re.Pattern[str] | None, *, tap: bool
    ) -> None:
        box = self.page.get_by_role("textbox", name=label, exact=True)
        step = f"{'fill' if tap else 'type'} {label}"
        try:
            if tap:
                self.click_when_still(box)
            # A tap's cursor follows at once; an autofocus comes with the screen's first
            # frames, slower on a loaded machine.
            self.ready_to_type(box, timeout=5_000 if tap else 15_000)
            box.fill(text)
            expect(box).to_have_value(text if shows is None else shows)
        except Exception:
            self.failed(step)
            self.note_focus(step)
            raise

    def see(self, text: str | re.Pattern[str], timeout: float = 15_000) -> Locator:
        # Flutter puts a text either in a DOM text node or, when it folds it into a
        # node with children (seen: a banner merged with the heading below it), in
        # that node's aria-label: on screen either way.
        loc = self.page.get_by_text(text).or_(self.page.get_by_label(text)).first
        try:
            expect(loc).to_be_visible(timeout=timeout)
        except AssertionError:
            self.failed(f"see {text if isinstance(text, str) else text.pattern}")
            raise
        self.still(loc)
        return loc

    def still(self, target: Locator) -> None:
        """Wait until what was just seen has stopped moving: a warning or an error is
        scrolled into view a moment after it appears, and a tap aimed before that
        scroll would land on what then slides under it."""
        # Still for 400 ms: the app brings a banner or a form into view 200 ms after it
        # appears (`app.ui.widgets.use_reveal` waits for the client's frame), plus the
        # round trip; a shorter wait judged a control still before that scroll began
        # (seen: a quarter of a second let a candidate below the fold pass as in view).
        last, same = None, 0
        for _ in range(30):
            box = target.bounding_box()
            same = same + 1 if box is not None and box == last else 0
            if same >= 5:
                return
            last = box
            self.page.wait_for_timeout(100)

    def settled(self, timeout: float = 30_000) -> None:
        """Wait until the console stops saying "Chargement en cours…": a list being
        reloaded is not clicked (its rows are replaced when the answer comes, and a
        click on a row on its way out is lost)."""
        loading = self.page.get_by_text(LOADING, exact=True)
        expect(loading).to_have_count(0, timeout=timeout)

    def absent(self, text: str | re.Pattern[str], timeout: float = 10_000) -> None:
        expect(self.page.get_by_text(text)).to_have_count(0, timeout=timeout)

    def whole_screen_small_or_unnamed(self) -> list[str]:
        """`small_or_unnamed_controls` over the whole of a phone screen: judged on a
        viewport tall enough that nothing is cut by the scroll view's edge (a 52 px chip
        showing 44 px above the navigation bar is half hidden, not small), then back to
        the phone's size."""
        size = self.page.viewport_size or ViewportSize(width=PHONE["width"], height=PHONE["height"])
        self.page.set_viewport_size(ViewportSize(width=size["width"], height=2600))
        try:
            return self.small_or_unnamed_controls()
        finally:
            self.page.set_viewport_size(size)
            self.page.wait_for_timeout(300)

    def repeated_names(self) -> list[str]:
        """Names that two controls of the screen share (a screen reader lists the
        controls by name: three « Oui » told nothing apart)."""
        found: list[list[Any]] = self.page.evaluate(_CONTROLS_JS)
        names = [str(name).strip() for _, name, *_ in found if str(name).strip()]
        return sorted({n for n in names if names.count(n) > 1})

    def small_or_unnamed_controls(self, min_px: int = 48) -> list[str]:
        """Controls on screen a thumb or a screen reader would struggle with: smaller
        than `min_px` either way, or with no accessible name. Controls cut by the
        viewport's or a scroll view's edge are not judged."""
        self.page.wait_for_timeout(500)  # let the semantics tree follow the last frame
        found: list[list[Any]] = self.page.evaluate(_CONTROLS_JS)
        view = self.page.viewport_size or {"width": 0, "height": 0}
        out = []
        for role, name, x, y, w, h in found:
            inside = x >= 0 and y >= 0 and x + w <= view["width"] and y + h <= view["height"]
            # Flutter clips a node to its scroll view: a sliver (< 24 px) is a control
            # half scrolled out of sight, not a small one.
            if not inside or w == 0 or h < 24:
                continue
            if w < min_px or h < min_px:
                out.append(f"{role} {name!r}: {w}×{h} px")
            if not name.strip():
                out.append(f"{role} without a name: {w}×{h} px")
        return out


_SCROLL_VIEW_JS = """e => {
  // The visible band of the scroll view holding `e` (the window if none).
  for (let a = e.parentElement; a; a = a.parentElement) {
    const o = getComputedStyle(a).overflowY;
    if (o === 'scroll' || o === 'auto') { const r = a.getBoundingClientRect();
      return [Math.max(r.top, 0), Math.min(r.bottom, innerHeight)]; } }
  return [0, innerHeight]; }"""

_CONTROLS_JS = """() => {
  // Flutter clips a node to its scroll view: one touching the view's edge is cut.
  const cut = (e, r) => { for (let a = e.parentElement; a; a = a.parentElement) {
      const o = getComputedStyle(a).overflowY;
      if (o !== 'scroll' && o !== 'auto') continue;
      const v = a.getBoundingClientRect();
      const below = a.scrollHeight - a.scrollTop > a.clientHeight + 1;
      if ((below && Math.abs(r.bottom - v.bottom) < 1)
          || (a.scrollTop > 0 && Math.abs(r.top - v.top) < 1)) return true; }
    return false; };
  return [...document.querySelectorAll(
    '[role=button],[role=checkbox],[role=textbox],[role=tab],[role=radio],[role=switch],'
    + 'input,textarea')].map(e => { const r = e.getBoundingClientRect();
    return [e.getAttribute('role') || e.tagName.toLowerCase(),
            e.getAttribute('aria-label') || e.innerText || '',
            Math.round(r.x), Math.round(r.y), Math.round(r.width),
            cut(e, r) ? 0 : Math.round(r.height)]; }); }"""

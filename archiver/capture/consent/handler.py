"""Answering cookie/consent prompts in the capture browser.

`prepare(page, enabled, folder)` is called before navigation; it returns a handler whose
`settle(timeout, signals)` runs once the page loaded. It reports what was done as a
`ConsentOutcome`.

No page waits for a prompt that cannot come. `signals` says what the capture saw of the page:
whether anything on it can run (a script, an event handler, a frame) and which consent
platforms it requested (`platforms.cmp_request`). A page on which nothing runs settles at once
(a prompt already shown is answered; none can come later). A page with scripts but no consent
platform requested, no prompt shown and none detected is *released* (`released` is set): the
capture takes its screenshot and DOM meanwhile, while the handler waits, in the page, for the
DOM to be quiet and autoconsent's detection to be done; if a prompt comes after all, it is
answered and `touched` tells the capture to take them again. A page that requested a consent
platform, or shows or has one, is waited for as before: the screenshot comes after.

Two layers answer a prompt with the most privacy-preserving choice:

1. autoconsent (see `installer`): about 800 rules that recognise consent platforms and opt out.
2. A fallback (`consent.js`) for prompts no rule knows, and for any prompt still visible after
   autoconsent: it clicks a visible reject / "only necessary" button, else removes the prompt,
   its backdrop and its scroll lock. Consent UI left hidden in the DOM is removed too, so that
   the HTML snapshot holds no prompt text.
"""

from __future__ import annotations

import asyncio
import functools
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Frame, Page

from archiver.capture.consent.installer import RULES_FILE, SCRIPT_FILE, find_autoconsent
from archiver.capture.consent.rules import CompactRules
from archiver.models import ConsentOutcome

FALLBACK_JS = Path(__file__).with_name("consent.js")


# autoconsent's content-script settings (see its lib/types.ts `Config`).
AUTOCONSENT_CONFIG: dict[str, Any] = {
    "enabled": True,
    "autoAction": "optOut",
    "disabledCmps": [],
    "enablePrehide": False,  # we wait before the screenshot anyway; keep what is seen honest
    "enableCosmeticRules": True,
    "enableGeneratedRules": True,
    "detectRetries": 20,
    "isMainWorld": True,  # the Playwright build runs in the page's main world
    "logs": {"lifecycle": False, "rulesteps": False, "detectionsteps": False, "evals": False,
             "errors": False, "messages": False, "waits": False},
}


# How long settle() waits for each situation, in seconds (all bounded by its timeout).
GRACE = 1.2  # no platform detected and no prompt seen: nothing to do


DETECTED_WAIT = 2.0  # a platform is present but shows no prompt


UNKNOWN_WAIT = 1.0  # the fallback sees a prompt that autoconsent has not taken on


RESULT_WAIT = 1.0  # opt-out succeeded on an intermediate step; wait for the final one


AFTER_DONE = 0.3  # let a banner finish closing


GONE_WAIT = 0.5  # a prompt went away: wait this long for autoconsent's report


POLL = 0.2


FALLBACK_BUDGET = 1.5  # kept for the fallback out of the timeout


CLICK_WAIT = 1.0  # a clicked reject button closes its prompt within this


HARD_SLACK = 1.0  # settle() returns by timeout + this, even when the page stops responding


BINDING = "__archiverConsent"
"""The one function the page's documents call into Python with (`page.expose_binding`);
consent.js's watcher calls it by this name too."""


# autoconsent posts a "report" with its whole state on every step; each would be a round trip
# through the driver: they stay in the page, where the watcher (consent.js) reads the last one
# (how far detection got).
SEND_JS = f"""(() => {{
  const send = window.{BINDING};
  if (typeof send === "function") {{
    window.autoconsentSendMessage = (message) => {{
      if (!message || message.type !== "report") return send(message);
      if (message.mainFrame) window.__archiverAutoconsentState = message.state;
      return Promise.resolve();
    }};
  }}
}})();
"""


@dataclass
class PageSignals:
    """What the capture saw of the page, for the handler to decide whether to wait.

    `scripted`: something on the page can run (a script, an event handler attribute, a frame,
    a script request): without it no prompt can appear later. `cmp_requests`: the consent
    platforms' scripts and frames the page requested so far (the route handler appends)."""

    scripted: bool = True
    cmp_requests: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Autoconsent:
    """The content script and its rules, read once per folder."""

    script: str  # SEND_JS, then autoconsent's Playwright content script
    rules: CompactRules


@functools.lru_cache(maxsize=4)
def _load_autoconsent(folder: Path) -> _Autoconsent:
    script = (folder / SCRIPT_FILE).read_text(encoding="utf-8")
    rules = CompactRules.parse((folder / RULES_FILE).read_text(encoding="utf-8"))
    return _Autoconsent(SEND_JS + script, rules)


@functools.lru_cache(maxsize=1)
def _fallback_script() -> str:
    return FALLBACK_JS.read_text(encoding="utf-8")


@dataclass
class _Messages:
    """What autoconsent reported from any frame of the page."""

    cmps: list[str] = field(default_factory=list)
    popups: list[str] = field(default_factory=list)
    opt_out: dict[str, bool] = field(default_factory=dict)
    done: dict[str, Any] | None = None
    errors: list[str] = field(default_factory=list)
    detected_at: float | None = None
    result_at: float | None = None
    init_at: float | None = None  # when autoconsent started in the top frame
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    def record(self, message: dict[str, Any]) -> None:
        kind, cmp = message.get("type"), str(message.get("cmp") or "")
        if kind == "cmpDetected" and cmp not in self.cmps:
            self.cmps.append(cmp)
            self.detected_at = self.detected_at or time.monotonic()
        elif kind == "popupFound" and cmp not in self.popups:
            self.popups.append(cmp)
        elif kind == "optOutResult":
            self.opt_out[cmp] = bool(message.get("result"))
            self.result_at = time.monotonic()
        elif kind == "autoconsentDone":
            self.done = message
        elif kind == "autoconsentError":
            self.errors.append(_short(json.dumps(message.get("details"), default=str)))
        else:
            return
        self.changed.set()

    @property
    def cmp(self) -> str | None:
        if self.done:
            return str(self.done.get("cmp"))
        names = self.popups or self.cmps
        return names[0] if names else None

    @property
    def failed(self) -> bool:
        return bool(self.opt_out) and not any(self.opt_out.values())

    @property
    def succeeded(self) -> bool:
        return any(self.opt_out.values())


@dataclass
class _Fallback:
    """What the in-page fallback did."""

    seen: list[dict[str, Any]] = field(default_factory=list)
    clicked: list[str] = field(default_factory=list)
    removed: int = 0
    backdrops: int = 0
    unlocked: bool = False
    hidden_removed: list[str] = field(default_factory=list)
    inline_removed: list[str] = field(default_factory=list)  # notices in the page's flow
    interrupted: bool = False  # the page navigated or closed under us

    @property
    def changed(self) -> bool:
        """Whether a prompt was seen or anything was clicked or removed."""
        return bool(self.seen or self.clicked or self.removed or self.backdrops or self.unlocked
                    or self.hidden_removed or self.inline_removed)


class ConsentHandler:
    """Answers consent prompts on one page."""

    def __init__(self, page: Page | None, autoconsent: _Autoconsent | None = None,
                 note: str | None = None) -> None:
        self.page = page
        self.autoconsent = autoconsent
        self.note = note  # why autoconsent is not in use, if it is not
        self.messages = _Messages()
        self.prompt_shown = False  # what the fallback's watcher last saw in the top document
        self.quiet = False  # the watcher said: no DOM change for a while, autoconsent done
        # Set when the capture may take its screenshot and DOM while settle() still waits
        # (nothing expected); `touched` then says they must be taken again after it.
        self.released = asyncio.Event()
        self.touched = False
        self.signals = PageSignals()
        self._saw_prompt = False  # the watcher saw a prompt at some point

    async def install(self) -> None:
        """Expose the message binding and the content script (before navigation)."""
        if self.page is None or self.autoconsent is None:
            return
        await self.page.expose_binding(BINDING, self._on_message)
        await self.page.add_init_script(script=self.autoconsent.script)

    async def _on_message(self, source: dict[str, Any], message: Any) -> None:
        if not isinstance(message, dict):
            return
        frame: Frame = source["frame"]
        kind = message.get("type")
        try:
            if kind == "archiverPrompts":  # from the fallback's watcher ("watch")
                if frame.parent_frame is None:
                    self.prompt_shown = bool(message.get("present"))
                    self.quiet = self.quiet or bool(message.get("quiet"))
                    self.messages.changed.set()
            elif kind == "init":
                await self._init(frame)
            elif kind == "eval":
                await self._reply(frame, {"type": "evalResp", "id": message.get("id"),
                                          "result": await self._eval(frame, message)})
            else:
                self.messages.record(message)
        except PlaywrightError:
            pass  # the frame went away; its instance is gone with it

    async def _init(self, frame: Frame) -> None:
        """Answer `init` with the config and the rules (as one JSON string: much faster to pass
        than a structure Playwright would serialize value by value)."""
        assert self.autoconsent is not None
        top = frame.parent_frame is None
        if top:
            self.messages.init_at = self.messages.init_at or time.monotonic()
        rules = self.autoconsent.rules.for_document(frame.url, top)
        await frame.evaluate(
            "([config, rules]) => window.autoconsentReceiveMessage("
            "{type: 'initResp', config, rules: JSON.parse(rules)})",
            [AUTOCONSENT_CONFIG, rules],
        )

    @staticmethod
    async def _eval(frame: Frame, message: dict[str, Any]) -> bool:
        try:
            return bool(await frame.evaluate(str(message.get("code", "false"))))
        except PlaywrightError:
            return False

    @staticmethod
    async def _reply(frame: Frame, response: dict[str, Any]) -> None:
        await frame.evaluate("m => window.autoconsentReceiveMessage(m)", response)

    async def settle(self, timeout: float, signals: PageSignals | None = None) -> ConsentOutcome:
        """Wait (bounded by `timeout`) for prompts to be answered; never raises. `released`
        is set by the time it returns."""
        if self.page is None:
            self.released.set()
            return ConsentOutcome(action="disabled", detail="consent handling is turned off")
        self.signals = signals or PageSignals()
        started = time.monotonic()
        try:
            outcome = await asyncio.wait_for(self._settle(started, timeout), timeout + HARD_SLACK)
        except TimeoutError:
            outcome = ConsentOutcome(cmp=self.messages.cmp, action="error",
                                     detail=f"the page did not respond within {timeout:g} s")
        except Exception as exc:  # whatever happens here, the capture goes on
            outcome = ConsentOutcome(cmp=self.messages.cmp, action="error",
                                     detail=_short(f"{type(exc).__name__}: {exc}"))
        if outcome.action == "error" and self.released.is_set():
            self.touched = True  # who knows what the page looks like now: take it again
        outcome.duration_ms = int((time.monotonic() - started) * 1000)
        self.released.set()
        return outcome

    async def _settle(self, started: float, timeout: float) -> ConsentOutcome:
        wait_until = started + max(timeout - FALLBACK_BUDGET, timeout / 2)
        early = await self._wait_for_autoconsent(started, wait_until)
        if self.messages.done or self.messages.succeeded:
            await asyncio.sleep(AFTER_DONE)
        fallback = await self._run_fallback(started + timeout)
        m = self.messages
        if self.released.is_set() and (self._saw_prompt or m.cmps or m.popups or m.done
                                       or m.opt_out or fallback.changed):
            self.touched = True
        outcome = self._outcome(fallback)
        if early and outcome.action == "nothing found" and not fallback.changed:
            outcome.detail = "; ".join(d for d in (outcome.detail, early) if d)
        return outcome

    def _expecting(self) -> bool:
        """Whether a prompt is shown, expected or being answered: a consent platform was
        requested or detected, or a prompt is shown."""
        m = self.messages
        return bool(self.prompt_shown or m.cmps or m.popups or m.done or m.opt_out
                    or self.signals.cmp_requests)

    async def _wait_for_autoconsent(self, started: float, until: float) -> str | None:
        """Return when autoconsent is done, failed, or clearly has nothing (more) to do; with
        why it returned early when nothing was expected (None otherwise)."""
        seen_at: float | None = None  # when the fallback first saw a prompt
        gone_at: float | None = None  # when a prompt that was seen went away
        watched = await self._evaluate_fallback("watch") or {}
        self.prompt_shown = bool(watched.get("prompts"))
        probe = self._probe if not watched.get("watching") else self._watched
        if not self._expecting():
            if not self.signals.scripted:
                return "no script on the page: no prompt can come"
            self.released.set()  # the screenshot and the DOM meanwhile
        while (now := time.monotonic()) < until:
            if self._finished(now):
                return None
            if await probe():
                seen_at, gone_at = seen_at or now, None
                self._saw_prompt = True
            elif seen_at is not None:
                gone_at = gone_at or now
            if gone_at is not None and now - gone_at >= GONE_WAIT:
                return None  # whoever closed it, the prompt is gone
            if seen_at is None and self.quiet and not self._expecting():
                waited = int((now - started) * 1000)
                return f"no CMP requested, none detected, the page quiet after {waited} ms"
            if not self.messages.popups and self._give_up(started, now, seen_at):
                return None
            self.messages.changed.clear()
            try:
                await asyncio.wait_for(self.messages.changed.wait(), min(POLL, until - now))
            except TimeoutError:
                pass
        return None

    def _finished(self, now: float) -> bool:
        m = self.messages
        if m.done or m.failed:
            return True
        return m.succeeded and m.result_at is not None and now - m.result_at >= RESULT_WAIT

    def _give_up(self, started: float, now: float, seen_prompt_at: float | None) -> bool:
        """No popup from autoconsent: is it time to go on (to the fallback)?"""
        if seen_prompt_at is not None:
            return self.autoconsent is None or now - seen_prompt_at >= UNKNOWN_WAIT
        if self.messages.detected_at is not None:
            return now - self.messages.detected_at >= DETECTED_WAIT
        # The grace period runs from autoconsent's start in the page (while it loaded),
        # not from the start of settle(), so a page without a prompt costs one probe.
        return now - (self.messages.init_at or started) >= GRACE

    async def _watched(self) -> bool:
        """Whether a prompt is shown, as the in-page watcher last said (no round trip)."""
        return self.prompt_shown

    async def _probe(self) -> bool:
        report = await self._evaluate_fallback("probe")
        return bool(report and report.get("prompts"))

    async def _evaluate_fallback(self, mode: str) -> dict[str, Any] | None:
        assert self.page is not None
        try:
            result = await self.page.evaluate(_fallback_script(), mode)
        except PlaywrightError:
            return None
        return result if isinstance(result, dict) else None

    async def _run_fallback(self, deadline: float) -> _Fallback:
        """Click reject where offered, remove what is left, then clean the hidden consent UI
        and the notices placed in the page's flow."""
        result = _Fallback()
        probe = await self._evaluate_fallback("probe")
        if probe is None:
            result.interrupted = True
            return result
        result.seen = list(probe.get("prompts") or [])
        if result.seen:
            await self._reject_then_remove(result, deadline)
        if result.seen or self.messages.cmps:
            cleanup = await self._evaluate_fallback("cleanup") or {}
            result.hidden_removed = list(cleanup.get("removed") or [])
            result.backdrops += int(cleanup.get("backdrops") or 0)
            result.unlocked = result.unlocked or bool(cleanup.get("unlocked"))
        inline = await self._evaluate_fallback("inline") or {}
        result.inline_removed = [str(t) for t in inline.get("removed") or []]
        return result

    async def _reject_then_remove(self, result: _Fallback, deadline: float) -> None:
        clicks = await self._evaluate_fallback("reject") or {}
        result.clicked = list(clicks.get("clicked") or [])
        if result.clicked:
            await self._wait_until_gone(min(deadline, time.monotonic() + CLICK_WAIT))
        removal = await self._evaluate_fallback("remove")
        if removal is None:
            result.interrupted = True
            return
        result.removed = int(removal.get("removed") or 0)
        result.backdrops = int(removal.get("backdrops") or 0)
        result.unlocked = bool(removal.get("unlocked"))

    async def _wait_until_gone(self, until: float) -> None:
        while time.monotonic() < until:
            await asyncio.sleep(0.1)
            if not await self._probe():
                return

    def _outcome(self, fallback: _Fallback) -> ConsentOutcome:
        m = self.messages
        notes = [self.note] if self.note else []
        if m.errors:
            notes.append("autoconsent error: " + "; ".join(m.errors[:2]))
        action, detail = self._autoconsent_action()
        if fallback.seen:
            action, fallback_detail = _fallback_action(fallback, action)
            detail = "; ".join(d for d in (detail, fallback_detail) if d)
        elif fallback.hidden_removed:
            removed = f"removed hidden consent UI ({len(fallback.hidden_removed)})"
            detail = f"{detail}; {removed}" if detail else removed
        if fallback.inline_removed:
            texts = ", ".join(repr(_short(t, 60)) for t in fallback.inline_removed[:2])
            inline = f"removed {len(fallback.inline_removed)} in-page consent notice(s) ({texts})"
            detail = f"{detail}; {inline}" if detail else inline
            action = "hidden" if action == "nothing found" else action
        if fallback.interrupted:
            notes.append("the page navigated or closed during consent handling")
        if action == "nothing found" and m.cmps:
            detail = f"{', '.join(m.cmps)} present, no prompt shown"
        return ConsentOutcome(cmp=m.cmp, action=action,
                              detail="; ".join(d for d in (*notes, detail) if d) or None)

    def _autoconsent_action(self) -> tuple[str, str]:
        m = self.messages
        if m.done:
            clicks = m.done.get("totalClicks", 0)
            how = "hid" if m.done.get("isCosmetic") else "opted out of"
            return ("hidden" if m.done.get("isCosmetic") else "opted out",
                    f"autoconsent {how} {m.done.get('cmp')} ({clicks} click(s))")
        if m.succeeded:
            return "opted out", f"autoconsent opted out of {m.cmp}"
        if m.failed:
            return "error", f"autoconsent found {m.cmp}'s prompt but could not opt out"
        if m.popups:
            return "error", f"autoconsent did not finish with {m.cmp}'s prompt in time"
        return "nothing found", ""


def _fallback_action(fallback: _Fallback, before: str) -> tuple[str, str]:
    """The action and a sentence for what the fallback did about the prompts it saw."""
    parts = []
    where = [f"#{p['id']}" for p in fallback.seen if p.get("id")]
    if fallback.clicked:
        parts.append("clicked " + ", ".join(repr(c) for c in fallback.clicked)
                     + (f" in {', '.join(where)}" if where else ""))
    if fallback.removed:
        texts = [repr(_short(p.get("text") or "", 60)) for p in fallback.seen[:2]]
        parts.append(f"removed {fallback.removed} prompt(s) ({', '.join(texts)})")
    if fallback.backdrops:
        parts.append(f"{fallback.backdrops} backdrop(s)")
    if fallback.unlocked:
        parts.append("released the scroll lock")
    detail = "fallback " + ", ".join(parts) if parts else ""
    if fallback.clicked and not fallback.removed:
        return "opted out", detail
    if fallback.removed:
        return "hidden" if before == "nothing found" else before, detail
    return before, detail


def _short(text: str, limit: int = 200) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


async def prepare(page: Page, enabled: bool = True, folder: Path | None = None) -> ConsentHandler:
    """Set up consent handling on `page` before it navigates (autoconsent from `folder`, else
    from its default place). Never raises."""
    if not enabled:
        return ConsentHandler(None)
    folder = find_autoconsent(folder)
    if folder is None:
        return ConsentHandler(page, note="autoconsent is not installed (run `archiver setup`)")
    try:
        handler = ConsentHandler(page, _load_autoconsent(folder))
        await handler.install()
    except (OSError, ValueError, KeyError, PlaywrightError) as exc:
        return ConsentHandler(page, note=_short(f"autoconsent could not be loaded: {exc}"))
    return handler

"""A browser-free Streamlit client: one session over the server's own WebSocket protocol (`/_stcore/stream`,
protobuf `BackMsg` up, `ForwardMsg` down), doing what the browser's frontend does for a GenLab page and no more:

- opens a page (`rerun_script` with the page's url name and query string),
- keeps the text of every element it is sent (by delta path, a full run dropping what it did not redraw) and the
  widget ids of the buttons by label,
- clicks a button (`rerun_script` with the button's trigger),
- reruns each `st.fragment(run_every=...)` on its interval, as the frontend's timers do (`auto_rerun` starts one,
  `stop_auto_rerun` or a full run ends them).

Twenty of these cost a few percent of a core, where twenty headless Chromiums took more than half of this
2-core machine, so `bench/classroom.py --client protocol` measures the server's latency, not the browsers'.
Widgets other than buttons are sent with no state: the server keeps their values (the pages' defaults).
"""

from __future__ import annotations

import asyncio
import re
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState

STATUS = re.compile(r"\**(idle|queued|running|paused|finished|stopped|closed|diverged|failed)\** · step ([\d,]+) ·")
TEXT_FIELDS = ("markdown", "alert", "text", "heading", "code")


@dataclass
class ProtocolSession:
    """One simulated visitor of `url` (http://host:port/page?query)."""

    url: str
    texts: dict[tuple[int, ...], str] = field(default_factory=dict)  # delta path -> text shown there
    widgets: dict[tuple[int, ...], tuple[str, str]] = field(default_factory=dict)  # delta path -> button's label, id
    inputs: dict[tuple[int, ...], tuple[str, str]] = field(default_factory=dict)  # path -> number input's label, id
    fragment_seconds: list[float] = field(default_factory=list)  # a fragment rerun: its request to its end
    status_changes: list[tuple[float, str, int]] = field(default_factory=list)  # (time, status, step) as shown
    redraws: list[float] = field(default_factory=list)  # when the server sent the status line again
    fragment_runs: list[tuple[float, frozenset]] = field(default_factory=list)  # (when, delta paths it drew)
    runs_finished: int = 0
    errors: list[str] = field(default_factory=list)

    def __post_init__(self):
        parts = urlsplit(self.url)
        self.page_name, self.query = parts.path.strip("/"), parts.query
        self.stream = f"ws://{parts.netloc}/_stcore/stream"
        self.page_script_hash = ""
        self._timers: dict[str, tuple[float, asyncio.Task]] = {}
        self._drawn_this_run: set[tuple[int, ...]] = set()
        self._shown = ("?", -1)  # status() as last recorded in status_changes
        self._full_run = True
        self._changed = asyncio.Event()
        self._socket = None
        self._reader: asyncio.Task | None = None
        self._fragment_asked: float | None = None

    # -- what the page shows ------------------------------------------------------------------------------------
    def status(self) -> tuple[str, int]:
        """The run's status and step as the page shows them now (("?", -1) before the page has drawn one)."""
        for text in self.texts.values():
            match = STATUS.search(text)
            if match:
                return match.group(1), int(match.group(2).replace(",", ""))
        return "?", -1

    @property
    def buttons(self) -> dict[str, str]:
        """The page's buttons now: label -> widget id."""
        return dict(self.widgets.values())

    def button(self, pattern: str) -> str | None:
        return next((wid for label, wid in self.buttons.items() if re.search(pattern, label)), None)

    async def wait_for(self, predicate, timeout: float = 60.0) -> float:
        """Seconds until `predicate(self)` holds (nan after `timeout`)."""
        start = time.monotonic()
        while not predicate(self):
            left = timeout - (time.monotonic() - start)
            if left <= 0:
                return float("nan")
            self._changed.clear()
            try:
                await asyncio.wait_for(self._changed.wait(), min(left, 1.0))
            except TimeoutError:
                pass
        return time.monotonic() - start

    # -- talking to the server ----------------------------------------------------------------------------------
    async def open(self, timeout: float = 120.0, ready=None) -> None:
        """Connect and run the page; wait until `ready(self)` holds (default: the page shows a run's status)."""
        self._socket = await websockets.connect(self.stream, subprotocols=["streamlit"], max_size=None,
                                                open_timeout=timeout)
        self._reader = asyncio.create_task(self._read())
        await self._rerun()
        waited = await self.wait_for(ready or (lambda s: s.status()[1] >= 0), timeout)
        if waited != waited:
            raise TimeoutError(f"{self.url} was not ready within {timeout:.0f} s: {self.errors}")

    async def click(self, pattern: str, timeout: float = 30.0) -> None:
        """Press the button whose label matches `pattern`, once the page shows it (as a person, or Playwright,
        waits for a button that is being redrawn)."""
        await self.wait_for(lambda s: s.button(pattern) is not None, timeout)
        widget = self.button(pattern)
        if widget is None:
            raise LookupError(f"no button matching {pattern!r}; the page has {sorted(self.buttons)}")
        await self._rerun(triggers=[widget])

    async def submit_number(self, label: str, value: float, button: str, timeout: float = 30.0) -> None:
        """Type `value` into the number input whose label matches `label` and press `button` in the same rerun
        (as a browser sends every widget's value with a click)."""
        await self.wait_for(lambda s: s.button(button) is not None and s._input(label) is not None, timeout)
        widget, box = self.button(button), self._input(label)
        if widget is None or box is None:
            raise LookupError(f"no input {label!r} and button {button!r} here")
        await self._rerun(triggers=[widget], numbers={box: float(value)})

    def _input(self, pattern: str) -> str | None:
        return next((wid for lab, wid in self.inputs.values() if re.search(pattern, lab)), None)

    def shows(self, text: str) -> bool:
        return any(text in t for t in self.texts.values())

    async def close(self) -> None:
        for _, task in self._timers.values():
            task.cancel()
        self._timers.clear()
        if self._socket is not None:
            await self._socket.close()
        if self._reader is not None:
            self._reader.cancel()

    async def _rerun(self, triggers: list[str] = (), fragment_id: str = "", numbers: dict | None = None) -> None:
        message = BackMsg()
        state = message.rerun_script
        state.query_string, state.page_name = self.query, self.page_name
        state.page_script_hash = self.page_script_hash
        state.widget_states.widgets.extend(WidgetState(id=wid, double_value=v) for wid, v in (numbers or {}).items())
        state.widget_states.widgets.extend(WidgetState(id=wid, trigger_value=True) for wid in triggers)
        if fragment_id:
            state.fragment_id, state.is_auto_rerun = fragment_id, True
        await self._socket.send(message.SerializeToString())

    async def _every(self, fragment_id: str, interval: float) -> None:
        while True:  # the frontend's setInterval: fires whether or not the last rerun has finished
            await asyncio.sleep(interval)
            self._fragment_asked = time.monotonic()
            await self._rerun(fragment_id=fragment_id)

    def _stop_timer(self, fragment_id: str) -> None:
        timer = self._timers.pop(fragment_id, None)
        if timer:
            timer[1].cancel()

    async def _read(self) -> None:
        try:
            async for raw in self._socket:
                message = ForwardMsg()
                message.ParseFromString(raw)
                self._handle(message)
        except websockets.ConnectionClosed:
            pass
        except Exception as error:  # noqa: BLE001 - kept for the caller: a reader must not die silently
            self.errors.append(repr(error))

    def _handle(self, message: ForwardMsg) -> None:
        kind = message.WhichOneof("type")
        if kind == "new_session":
            self._full_run = not message.metadata.run.fragment_ids
            self._drawn_this_run = set()
            if self._full_run:
                for fragment_id in list(self._timers):
                    self._stop_timer(fragment_id)
        elif kind == "navigation":  # the page st.navigation resolved the url to: reruns name it, as the browser does
            self.page_script_hash = message.navigation.page_script_hash
        elif kind == "page_info_changed":
            self.query = message.page_info_changed.query_string
        elif kind == "delta":
            self._delta(tuple(message.metadata.delta_path), message.delta)
        elif kind == "auto_rerun":
            fragment_id, interval = message.auto_rerun.fragment_id, message.auto_rerun.interval
            if self._timers.get(fragment_id, (None,))[0] != interval:
                self._stop_timer(fragment_id)
                self._timers[fragment_id] = (interval, asyncio.create_task(self._every(fragment_id, interval)))
        elif kind == "stop_auto_rerun":
            for fragment_id in message.stop_auto_rerun.fragment_ids:
                self._stop_timer(fragment_id)
        elif kind == "script_finished":
            self.runs_finished += 1
            if not self._full_run:
                self.fragment_runs.append((time.monotonic(), frozenset(self._drawn_this_run)))
                if self._fragment_asked is not None:
                    self.fragment_seconds.append(time.monotonic() - self._fragment_asked)
                    self._fragment_asked = None
            if self._full_run and message.script_finished == ForwardMsg.FINISHED_SUCCESSFULLY:
                for shown in (self.texts, self.widgets, self.inputs):  # what a full run did not draw is gone from the page
                    for path in [p for p in shown if p not in self._drawn_this_run]:
                        del shown[path]
        self._changed.set()

    def _delta(self, path: tuple[int, ...], delta) -> None:
        self._drawn_this_run.add(path)
        old = self.texts.pop(path, "")
        self.widgets.pop(path, None)
        self.inputs.pop(path, None)
        drew_status = False
        if delta.WhichOneof("type") == "new_element":
            element = delta.new_element
            kind = element.WhichOneof("type")
            if kind == "button":
                self.widgets[path] = element.button.label, element.button.id
            elif kind == "number_input":
                self.inputs[path] = element.number_input.label, element.number_input.id
            elif kind in TEXT_FIELDS and getattr(element, kind).body:
                self.texts[path] = getattr(element, kind).body
                drew_status = bool(STATUS.search(self.texts[path]))
        if drew_status:
            self.redraws.append(time.monotonic())
        if drew_status or STATUS.search(old):  # only then can the status shown change
            before, self._shown = self._shown, self.status()
            if self._shown != before and self._shown[1] >= 0:
                self.status_changes.append((time.monotonic(), *self._shown))

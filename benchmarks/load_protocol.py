"""Protocol-level visitors: Streamlit's own websocket protocol, no rendering.

A visitor opens ``/_stcore/stream`` as the frontend does, sends ``BackMsg``
reruns (a page, its query string, widget states) and reads the ``ForwardMsg``s
of each run up to its ``script_finished``. It finds a widget's id in the deltas
by the widget's user key (Streamlit's ids end in ``-<key>``) and sets its state
as a click would: the confusion chart's cell selection, the table's mode and
row selection, the slice name with the "Save selection" trigger. Many visitors
run in one asyncio loop, so N of them cost the server what N browsers cost it
and this machine almost nothing else.

A step is timed from its ``BackMsg`` to the ``script_finished`` of that rerun
and checks what the run shows (the "N selected" text, the table's "N rows;",
the primary example, the heat map, "Saved slice"). Every frame a visitor gets
is searched for the other visitors' markers (isolation).

The upload goes as the frontend sends it: "My file", a ``FileURLsRequest``,
an HTTP PUT of the file (with the XSRF cookie the health check hands out), then
the uploader's state. Not done over the protocol: the "Copy link" popover (no
rerun: its link arrives with every run, so the visit reads it from the last).
"""

from __future__ import annotations

import asyncio
import json
import re
import time
import urllib.request
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import websockets
from google.protobuf.message import Message
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ClientState_pb2 import ClientState, ContextInfo
from streamlit.proto.Common_pb2 import FileURLs, FileURLsRequest, UploadedFileInfo
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState, WidgetStates

from benchmarks.load_visits import StepFailed, Visit

STEPS = ("open", "metrics", "cell", "table", "only selected", "example", "salience",
         "explanations", "upload", "slice", "open link")  # fmt: skip
FINISHED = (ForwardMsg.FINISHED_SUCCESSFULLY, ForwardMsg.FINISHED_WITH_COMPILE_ERROR)
HEAT_MAP = "lumen-token"  # a token of a salience heat map (litcore/ui/heatmap.py)
EXPLANATIONS_DONE = "tokens per method"  # the last section of the Explanations page
PRIMARY = re.compile(r"Primary: `?([^`\s]+)")
SELECTED = re.compile(r"([\d,]+) selected")
SIDEBAR_DRAWN = re.compile(r"[\d,]+ of [\d,]+ examples\*\* shown")


class ProtocolError(RuntimeError):
    """The server's answer to a rerun lacks what the step expects."""


@dataclass
class Run:
    """What one script run sent: its texts, its widgets' ids by user key, and
    when (seconds after the ``BackMsg``) a watched string first arrived."""

    texts: list[str] = field(default_factory=list)
    widget_ids: dict[str, str] = field(default_factory=dict)
    watched_s: float | None = None

    def text(self) -> str:
        return "\n".join(self.texts)

    def widget(self, key_prefix: str) -> str:
        """The id of the run's widget whose user key starts with ``key_prefix``."""
        for key, widget_id in self.widget_ids.items():
            if key.startswith(key_prefix):
                return widget_id
        raise ProtocolError(f"no widget keyed '{key_prefix}…' in the run")

    def expect(self, pattern: str | re.Pattern) -> re.Match:
        """The first match of ``pattern`` in the run's texts, else ProtocolError."""
        found = re.search(pattern, self.text())
        if found is None:
            shown = str(getattr(pattern, "pattern", pattern))
            raise ProtocolError(f"the run shows no '{shown}'")
        return found


def strings(message: Message) -> Iterable[str]:
    """Every string field of ``message``, nested messages (and maps) included."""
    for descriptor, value in message.ListFields():
        entry = descriptor.message_type
        if entry is not None and entry.GetOptions().map_entry:
            values = list(value.values())
        else:
            values = value if descriptor.is_repeated else [value]
        for item in values:
            if isinstance(item, Message):
                yield from strings(item)
            elif isinstance(item, str):
                yield item


def element_widget(delta) -> tuple[str, str] | None:
    """(user key, widget id) of a new element that is a keyed widget."""
    element = delta.new_element
    kind = element.WhichOneof("type")
    proto = getattr(element, kind) if kind else None
    if proto is None or "id" not in proto.DESCRIPTOR.fields_by_name:
        return None
    widget_id = proto.id
    parts = widget_id.split("-", 2)  # "$$ID-<hash>-<user key or None>"
    if len(parts) < 3 or parts[2] == "None":
        return None
    return parts[2], widget_id


class ProtocolSession:
    """One browser tab's worth of Streamlit session, over the websocket.

    Args:
        url: the server's base URL (``http://host:port``).
        watch_frame: called with every frame received (the isolation check).
    """

    def __init__(self, url: str, watch_frame=None) -> None:
        self.url = url.rstrip("/")
        self.watch_frame = watch_frame or (lambda frame: None)
        self.socket = None
        self.pages: dict[str, str] = {}  # url path -> page script hash
        self.page_hash = ""
        self.page_path = ""
        self.query = ""
        self.widgets: dict[str, WidgetState] = {}  # the states the frontend keeps
        self.session_id = ""

    async def __aenter__(self) -> ProtocolSession:
        return self

    async def __aexit__(self, *exc) -> None:
        if self.socket is not None:
            await self.socket.close()

    async def _connect(self) -> None:
        """Opens the websocket (on the first rerun, so a visit's "open" counts
        it, as a browser's does)."""
        parts = urlsplit(self.url)
        scheme = "wss" if parts.scheme == "https" else "ws"
        self.socket = await websockets.connect(
            f"{scheme}://{parts.netloc}/_stcore/stream",
            subprotocols=["streamlit"],
            max_size=None,
            open_timeout=120,
            ping_interval=None,  # a busy server answers pings late
        )

    def _client_state(self, page_name: str, triggers: list[WidgetState]):
        url = f"{self.url}/{self.page_path}" + (f"?{self.query}" if self.query else "")
        states = [*self.widgets.values(), *triggers]
        return ClientState(
            query_string=self.query,
            page_script_hash=self.page_hash,
            page_name=page_name,
            widget_states=WidgetStates(widgets=states),
            context_info=ContextInfo(url=url, timezone="UTC", locale="en-US"),
        )

    async def rerun(
        self,
        *,
        page: str | None = None,
        query: str | None = None,
        widgets: Iterable[WidgetState] = (),
        triggers: Iterable[WidgetState] = (),
        watch: str | None = None,
        timeout_s: float = 60.0,
    ) -> Run:
        """Sends a rerun and reads its messages up to ``script_finished``.

        Args:
            page: a page's url path ("" the default page); None: the current one.
            query: the query string to send (None: the current one; a page
                switch clears it, as the frontend does).
            widgets: widget states that stay (a value set by the user).
            triggers: widget states sent once (a button click).
            watch: a string whose first arrival is timed (``Run.watched_s``).
            timeout_s: the longest wait for the run to finish.
        """
        page_name = ""
        if page is not None and page != self.page_path:
            self.page_hash = self.pages.get(page, "")
            page_name = page if page not in self.pages else ""
            self.page_path = page
            self.query = ""
        if query is not None:
            self.query = query
        for state in widgets:
            self.widgets[state.id] = state
        message = BackMsg(rerun_script=self._client_state(page_name, list(triggers)))
        started = time.perf_counter()
        if self.socket is None:
            await self._connect()
        await self.socket.send(message.SerializeToString())
        return await asyncio.wait_for(self._read_run(started, watch), timeout_s)

    async def _read_run(self, started: float, watch: str | None) -> Run:
        run, began = Run(), False
        watched = watch.encode() if watch else None
        while True:
            frame = await self.socket.recv()
            self.watch_frame(frame)
            if watched and run.watched_s is None and watched in frame:
                run.watched_s = time.perf_counter() - started
            message = ForwardMsg()
            message.ParseFromString(frame)
            kind = message.WhichOneof("type")
            if kind == "new_session":  # a run begins (again, after st.rerun)
                run = Run(watched_s=run.watched_s)
                began = True
                self.page_hash = message.new_session.page_script_hash
                self.session_id = message.new_session.initialize.session_id
            elif kind == "navigation":
                self.pages = {
                    page.url_pathname: page.page_script_hash
                    for page in message.navigation.app_pages
                }
                self.page_hash = message.navigation.page_script_hash
            elif kind == "page_info_changed":
                self.query = message.page_info_changed.query_string
            elif kind == "delta":
                self._read_delta(message.delta, run)
            elif kind == "script_finished" and began:
                if message.script_finished in FINISHED:
                    return self._finish(message.script_finished, run)

    async def file_urls(self, name: str, timeout_s: float = 60.0) -> FileURLs:
        """Where to PUT a file named ``name`` for this session's uploader."""
        request_id = uuid.uuid4().hex
        request = FileURLsRequest(
            request_id=request_id, file_names=[name], session_id=self.session_id
        )
        await self.socket.send(BackMsg(file_urls_request=request).SerializeToString())

        async def answer() -> FileURLs:
            while True:
                frame = await self.socket.recv()
                self.watch_frame(frame)
                message = ForwardMsg()
                message.ParseFromString(frame)
                response = message.file_urls_response
                if message.WhichOneof("type") == "file_urls_response" and (
                    response.response_id == request_id
                ):
                    if response.error_msg:
                        raise ProtocolError(f"no upload URL: {response.error_msg}")
                    return response.file_urls[0]

        return await asyncio.wait_for(answer(), timeout_s)

    def put_file(self, urls: FileURLs, name: str, data: bytes) -> None:
        """PUTs ``data`` as file ``name`` (multipart, as the frontend does), with
        the XSRF cookie of a health check (blocking: run it in a thread)."""
        with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=60) as ok:
            cookies = ok.headers.get_all("Set-Cookie") or []
        token = next(
            (c.split(";")[0].split("=", 1)[1] for c in cookies
             if c.startswith("_streamlit_xsrf=")), "",
        )  # fmt: skip
        boundary = uuid.uuid4().hex
        body = (
            (
                f'--{boundary}\r\nContent-Disposition: form-data; name="UploadedFile"; '
                f'filename="{name}"\r\nContent-Type: text/csv\r\n\r\n'
            ).encode()
            + data
            + f"\r\n--{boundary}--\r\n".encode()
        )
        headers = {"Content-Type": f"multipart/form-data; boundary={boundary}"}
        if token:
            headers |= {"X-Xsrftoken": token, "Cookie": f"_streamlit_xsrf={token}"}
        put = urllib.request.Request(
            self.url + urls.upload_url, data=body, method="PUT", headers=headers
        )
        with urllib.request.urlopen(put, timeout=60) as answer:
            if answer.status not in (200, 204):
                raise ProtocolError(f"upload answered {answer.status}")

    def _read_delta(self, delta, run: Run) -> None:
        if delta.WhichOneof("type") == "new_element":
            element = delta.new_element
            if element.WhichOneof("type") == "exception":
                raise ProtocolError(f"the app raised: {element.exception.message}")
            keyed = element_widget(delta)
            if keyed:
                run.widget_ids[keyed[0]] = keyed[1]
        run.texts.extend(strings(delta))

    def _finish(self, status: int, run: Run) -> Run:
        if status == ForwardMsg.FINISHED_WITH_COMPILE_ERROR:
            raise ProtocolError("the app's script failed to compile")
        alive = set(run.widget_ids.values())  # the frontend drops the rest
        self.widgets = {k: v for k, v in self.widgets.items() if k in alive}
        return run


def selection_state(widget_id: str, value: object) -> WidgetState:
    """A chart's or a table's selection event (JSON in a string, as sent by the
    frontend)."""
    return WidgetState(id=widget_id, string_value=json.dumps(value))


def trigger(widget_id: str) -> WidgetState:
    return WidgetState(id=widget_id, trigger_value=True)


async def timed(visit: Visit, name: str, action):
    """Awaits ``action`` (a coroutine) as step ``name`` of ``visit``: times it,
    or records its failure and ends the visit (``StepFailed``)."""
    started = time.perf_counter()
    try:
        result = await action
    except Exception as error:  # any failure of a step is a finding
        raise visit.fail(name, error) from error
    visit.seconds[name] = time.perf_counter() - started
    return result


def markers_watch(visit: Visit, others: list[Visit]):
    """A frame check: any other visit's marker in a frame is an isolation
    finding of ``visit`` (once per other visit)."""
    seen: set[int] = set()

    def check(frame: bytes | str) -> None:
        data = frame.encode() if isinstance(frame, str) else frame
        for other in others:
            if other.number not in seen and other.marker.encode() in data:
                seen.add(other.number)
                visit.isolation.append(f"marker of visit {other.number} in a frame")

    return check


async def scripted_visit(session: ProtocolSession, visit: Visit, timeout_s: float):
    """The visit's steps over the protocol; each checks what its run shows."""
    gold, pred = visit.cell

    async def step(name: str, check=None, **rerun) -> Run:
        async def rerun_and_check() -> Run:
            run = await session.rerun(timeout_s=timeout_s, **rerun)
            if check is not None:
                check(run)
            return run

        return await timed(visit, name, rerun_and_check())

    await step("open", lambda run: run.expect(SIDEBAR_DRAWN), page="")
    run = await step("metrics", page="metrics")
    chart = run.widget("metrics_confusion")
    cell = {"selection": {"cell": [{"gold": gold, "pred": pred}]}}
    run = await step("cell", lambda run: run.expect(SELECTED), widgets=[
        selection_state(chart, cell)])  # fmt: skip
    count = run.expect(SELECTED).group(1)
    run = await step("table", lambda run: run.expect("rows; showing"), page="table")
    mode = WidgetState(id=run.widget("table_mode"))
    mode.string_array_value.data.append("Only selected")
    run = await step(
        "only selected", lambda run: run.expect(f"{count} rows;"), widgets=[mode]
    )
    before = run.expect(PRIMARY).group(1)

    def new_primary(run: Run) -> None:
        visit.primary = run.expect(PRIMARY).group(1)
        if visit.primary == before:
            raise ProtocolError(f"the primary is still {before}")

    rows = {"selection": {"rows": [visit.row], "columns": [], "cells": []}}
    table = selection_state(run.widget("table_rows_Only selected"), rows)
    await step("example", new_primary, widgets=[table])
    # The first heat map (gradient L2, the first method) as it arrives, then the
    # rest of the page: the other methods and their faithfulness.
    run = await step(
        "explanations",
        lambda run: run.expect(EXPLANATIONS_DONE) and run.expect(HEAT_MAP),
        page="explain",
        watch=HEAT_MAP,
    )
    visit.seconds["salience"] = run.watched_s
    visit.seconds["explanations"] -= run.watched_s
    run = await timed(visit, "upload", upload(session, run, visit, timeout_s))
    name = WidgetState(id=run.widget("slice_name"), string_value=visit.slice_name)
    save = trigger(run.widget("slice_save_selection"))
    saved = f"Saved slice '{visit.slice_name}'"
    run = await step(
        "slice", lambda run: run.expect(re.escape(saved)), widgets=[name],
        triggers=[save],
    )  # fmt: skip
    visit.link = run.expect(r"https?://\S+\?\S+").group(0)


def upload_file(visit: Visit) -> bytes:
    """A small labelled CSV whose texts carry the visit's marker."""
    rows = [f"{visit.marker} a fine film number {i},positive" for i in range(10)]
    rows += [f"{visit.marker} a dull film number {i},negative" for i in range(10)]
    return ("text,label\n" + "\n".join(rows) + "\n").encode()


async def upload(session: ProtocolSession, run: Run, visit: Visit, timeout_s: float):
    """Picks "My file" in "Data & model" and uploads the visit's file, until the
    sidebar previews it ("N rows · M columns", after the file is stored)."""
    kind = WidgetState(id=run.widget("pick_kind"), string_value="My file")
    run = await session.rerun(widgets=[kind], timeout_s=timeout_s)
    uploader = run.widget("pick_upload_")
    data = upload_file(visit)
    urls = await session.file_urls(visit.upload_name, timeout_s)
    await asyncio.to_thread(session.put_file, urls, visit.upload_name, data)
    state = WidgetState(id=uploader)
    state.file_uploader_state_value.uploaded_file_info.append(
        UploadedFileInfo(
            name=visit.upload_name, size=len(data), file_id=urls.file_id,
            file_urls=urls,
        )
    )  # fmt: skip
    run = await session.rerun(widgets=[state], timeout_s=timeout_s)
    run.expect(" rows · ")
    run.expect(re.escape(visit.upload_name))
    return run


async def open_link(url: str, visit: Visit, watch, timeout_s: float) -> None:
    """Opens the visit's link in a new session: it shows the visit's primary."""
    parts = urlsplit(visit.link)
    async with ProtocolSession(url, watch) as session:
        run = await session.rerun(
            page=parts.path.strip("/"), query=parts.query, timeout_s=timeout_s
        )
    shown = run.expect(PRIMARY).group(1)
    if shown != visit.primary:
        raise ProtocolError(f"the link shows {shown}, not {visit.primary}")


async def check_isolation(session: ProtocolSession, visit: Visit, timeout_s: float):
    """After every visit is done: the Overview still shows this visit's primary
    (its frames were checked for the other visits' markers all along)."""
    try:
        run = await session.rerun(page="", timeout_s=timeout_s)
    except Exception as error:
        visit.isolation.append(f"could not check: {type(error).__name__}")
        return
    shown = PRIMARY.search(run.text())
    if visit.primary and (shown is None or shown.group(1) != visit.primary):
        found = shown.group(1) if shown else "none"
        visit.isolation.append(f"selection: shows {found}, picked {visit.primary}")


async def protocol_visit(
    url: str, visit: Visit, others: list[Visit], timeout_s: float, finished
) -> None:
    """One visitor: the scripted visit and its link; then ``finished()`` (which
    returns once every visit of the run has finished its steps) and the
    isolation check."""
    watch = markers_watch(visit, others)
    async with ProtocolSession(url, watch) as session:
        try:
            await scripted_visit(session, visit, timeout_s)
            await timed(visit, "open link", open_link(url, visit, watch, timeout_s))
        except StepFailed:
            pass
        except Exception as error:  # a check between steps
            visit.failed["check"] = f"{type(error).__name__}: {error}"[:200]
        await finished()
        if "open" in visit.seconds:
            await check_isolation(session, visit, timeout_s)


async def protocol_wave(
    url: str, visits: list[Visit], everyone: list[Visit], timeout_s: float,
    also_done=None,
) -> None:  # fmt: skip
    """All ``visits`` at once in this loop; each watches for everyone else's
    markers. The isolation checks wait until every visit has finished its steps
    and ``also_done()`` (if given: an awaitable, e.g. the browsers' visits) has
    returned."""
    left = len(visits)
    all_steps_done, checks_may_start = asyncio.Event(), asyncio.Event()

    async def finished() -> None:
        nonlocal left
        left -= 1
        if left == 0:
            all_steps_done.set()
        await checks_may_start.wait()

    async def release_checks() -> None:
        await all_steps_done.wait()
        if also_done is not None:
            await also_done()
        checks_may_start.set()

    others = [[o for o in everyone if o is not visit] for visit in visits]
    await asyncio.gather(
        release_checks(),
        *(
            protocol_visit(url, visit, rest, timeout_s, finished)
            for visit, rest in zip(visits, others, strict=True)
        ),
    )

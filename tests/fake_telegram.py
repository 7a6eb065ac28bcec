"""A fake Telegram Bot API server on 127.0.0.1, speaking the real HTTP protocol.

It accepts form-encoded, multipart and JSON requests at /bot<token>/<method>, answers
{"ok": …} like Telegram, long-polls getUpdates, and rejects with 400 what Telegram rejects:
malformed HTML for parse_mode HTML, texts over 4096 characters, callback data over 64 bytes,
more than 50 inline results, a callback query answered twice or too late. Tests push updates
and read every call the bot made.

Faults (`Faults`) fail calls the ways the network and Telegram do. Some fail a call before it is
carried out (429, 502, a reset, a hang with no response until the client gives up); others carry
the call out and then lose its reply (the connection closed, or the reply held past the client's
read timeout), so a client that retries can do the same thing twice, as with real Telegram.
"""

from __future__ import annotations

import contextlib
import email.parser
import email.policy
import html
import itertools
import json
import re
import select
import socket
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

BOT_ID = 7_000_000_001
BOT_USERNAME = "img_externship_bot"
TOKEN = "7000000001:AAFakeTokenForTestsOnly_abcdefghijklm"
CALLBACK_TIMEOUT = 15.0  # seconds Telegram waits for a button press to be answered
HANG_LIMIT = 120.0  # a hung call waits this long at most for its client to give up
JSON_FIELDS = {
    "reply_markup",
    "results",
    "commands",
    "allowed_updates",
    "entities",
    "link_preview_options",
    "reply_parameters",
    "scope",
    "input_message_content",
    "button",
}
ALLOWED_TAGS = {
    "b",
    "strong",
    "i",
    "em",
    "u",
    "ins",
    "s",
    "strike",
    "del",
    "span",
    "tg-spoiler",
    "a",
    "tg-emoji",
    "code",
    "pre",
    "blockquote",
}
_TAG = re.compile(
    r'<(/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[a-zA-Z-]+=(?:"[^"<>]*"|\'[^\'<>]*\'))*)\s*>'
)
_ENTITY = re.compile(r"&(lt|gt|amp|quot|#[0-9]{1,7}|#x[0-9a-fA-F]{1,6});")


# Non-text message payloads, as Telegram sends them.
STICKER = {
    "sticker": {
        "file_id": "s",
        "file_unique_id": "s",
        "type": "regular",
        "width": 512,
        "height": 512,
        "is_animated": False,
        "is_video": False,
    }
}
PHOTO = {"photo": [{"file_id": "p", "file_unique_id": "p", "width": 9, "height": 9}]}


class BadRequest(Exception):
    def __init__(self, description: str, code: int = 400) -> None:
        super().__init__(description)
        self.description, self.code = description, code


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    status: int  # 0: no response at all (a reset or a hang)
    at: float = field(default_factory=time.monotonic)
    reply_lost: bool = False  # carried out, but the client never got the reply


def visible_text(text: str, parse_mode: str | None) -> str:
    """The message text as Telegram shows it, raising BadRequest where Telegram would."""
    if parse_mode is None:
        return text
    if parse_mode.upper() != "HTML":
        raise BadRequest(f"unsupported parse_mode {parse_mode}")
    out, stack, i = [], [], 0
    while i < len(text):
        ch = text[i]
        if ch == "<":
            m = _TAG.match(text, i)
            if not m:
                raise BadRequest(
                    f"Bad Request: can't parse entities: unsupported start tag at byte offset {i}"
                )
            closing, name = m.group(1) == "/", m.group(2).lower()
            if name not in ALLOWED_TAGS:
                raise BadRequest(
                    f'Bad Request: can\'t parse entities: unsupported start tag "{name}"'
                )
            if closing:
                if not stack or stack[-1] != name:
                    raise BadRequest(
                        f'Bad Request: can\'t parse entities: unmatched end tag "{name}"'
                    )
                stack.pop()
            else:
                if name == "a" and "href=" not in m.group(3):
                    raise BadRequest("Bad Request: can't parse entities: a tag without href")
                stack.append(name)
            i = m.end()
        elif ch == "&":
            m = _ENTITY.match(text, i)
            if not m:
                raise BadRequest(
                    f"Bad Request: can't parse entities: unescaped & at byte offset {i}"
                )
            out.append(html.unescape(m.group(0)))
            i = m.end()
        elif ch == ">":
            raise BadRequest(f"Bad Request: can't parse entities: unescaped > at byte offset {i}")
        else:
            out.append(ch)
            i += 1
    if stack:
        raise BadRequest(f'Bad Request: can\'t parse entities: unclosed start tag "{stack[-1]}"')
    return "".join(out)


def check_message_text(text: Any, parse_mode: str | None) -> str:
    if not isinstance(text, str) or not text.strip():
        raise BadRequest("Bad Request: message text is empty")
    shown = visible_text(text, parse_mode)
    if not shown.strip():
        raise BadRequest("Bad Request: message text is empty")
    if len(shown.encode("utf-16-le")) // 2 > 4096:
        raise BadRequest("Bad Request: message is too long")
    return shown


def check_keyboard(markup: Any) -> None:
    if markup is None:
        return
    if isinstance(markup, dict) and markup.get("force_reply") is True:
        placeholder = markup.get("input_field_placeholder", "x")
        if not 1 <= len(placeholder) <= 64:
            raise BadRequest("Bad Request: invalid input field placeholder")
        return
    rows = markup.get("inline_keyboard") if isinstance(markup, dict) else None
    if not isinstance(rows, list):
        raise BadRequest("Bad Request: can't parse reply keyboard markup JSON object")
    for row in rows:
        for button in row:
            if not str(button.get("text", "")).strip():
                raise BadRequest("Bad Request: text buttons are unallowed in the inline keyboard")
            data = button.get("callback_data")
            if data is not None and not 1 <= len(data.encode("utf-8")) <= 64:
                raise BadRequest("Bad Request: BUTTON_DATA_INVALID")
            url = button.get("url")
            if url is not None and not re.match(r"^(https?|tg)://\S+$", url):
                raise BadRequest("Bad Request: BUTTON_URL_INVALID")
            if data is None and url is None:
                raise BadRequest("Bad Request: inline keyboard button needs an action")


class DropConnection(Exception):
    """Raised by a fault to close the connection without any response (a reset)."""


class Hang(Exception):
    """Raised by a fault to answer nothing until the client gives up (closes the connection)."""


class LoseReply(Exception):
    """Raised by a fault to carry the call out and then lose its reply: close the connection at
    once (`delay` None), or hold the reply `delay` seconds, past the client's read timeout."""

    def __init__(self, delay: float | None = None) -> None:
        super().__init__(delay)
        self.delay = delay


KINDS = ("429", "502", "reset", "hang", "lost", "late")


@dataclass
class Rule:
    method: str
    every: int
    kind: str  # one of KINDS
    retry_after: int = 1
    late_seconds: float = 3.0  # how long a "late" reply is held
    when: Callable[[dict[str, Any]], bool] | None = None
    limit: int | None = None  # fire at most this many times
    seen: int = 0
    fired: int = 0


class Faults:
    """Fault injection: every Nth matching call of a method fails in the given way. A "429",
    "502", "reset" or "hang" call is never carried out, so its retry is the first delivery; a
    "lost" or "late" call is carried out and its reply lost, so a retry repeats it."""

    def __init__(self) -> None:
        self.rules: list[Rule] = []
        self._lock = threading.Lock()

    def every(self, method: str, n: int, kind: str, **options: Any) -> Faults:
        if kind not in KINDS:
            raise ValueError(f"unknown fault {kind!r}: one of {', '.join(KINDS)}")
        self.rules.append(Rule(method, n, kind, **options))
        return self

    def fired(self, kind: str, method: str | None = None) -> int:
        """How many calls the rules of this kind (and method) have failed."""
        with self._lock:
            return sum(r.fired for r in self.rules if r.kind == kind and method in (None, r.method))

    def __call__(self, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]] | None:
        with self._lock:
            rule = next((r for r in self.rules if self._fires(r, method, params)), None)
        if rule is None:
            return None
        if rule.kind == "429":
            return 429, {
                "ok": False,
                "error_code": 429,
                "description": f"Too Many Requests: retry after {rule.retry_after}",
                "parameters": {"retry_after": rule.retry_after},
            }
        if rule.kind == "502":
            return 502, {"ok": False, "error_code": 502, "description": "Bad Gateway"}
        if rule.kind == "hang":
            raise Hang
        if rule.kind == "lost":
            raise LoseReply
        if rule.kind == "late":
            raise LoseReply(rule.late_seconds)
        raise DropConnection

    @staticmethod
    def _fires(rule: Rule, method: str, params: dict[str, Any]) -> bool:
        if rule.method != method or (rule.when and not rule.when(params)):
            return False
        if rule.limit is not None and rule.fired >= rule.limit:
            return False
        rule.seen += 1
        if rule.seen % rule.every:
            return False
        rule.fired += 1
        return True


class FakeTelegram:
    def __init__(self, token: str = TOKEN) -> None:
        self.token = token
        self.calls: list[Call] = []
        self.webhook: dict[str, Any] | None = None
        self.fault: Callable[[str, dict[str, Any]], tuple[int, dict[str, Any]] | None] | None = None
        self._updates: list[dict[str, Any]] = []
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1000)
        self._query_ids = itertools.count(1)
        self._chats: dict[int, dict[str, Any]] = {}
        self._messages: dict[tuple[int, int], dict[str, Any]] = {}
        self._callback_queries: dict[str, int] = {}  # id -> times answered
        self._callback_pressed: dict[str, float] = {}  # id -> when the button was pressed
        self.callback_timeout: float | None = CALLBACK_TIMEOUT
        self._stopping = threading.Event()
        self._inline_queries: dict[str, int] = {}
        self._cond = threading.Condition()
        self._server = _Server(("127.0.0.1", 0), self._handler_class())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    # -- lifecycle --------------------------------------------------------------------------

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    def start(self) -> FakeTelegram:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()  # hung calls give up too
        with self._cond:
            self._cond.notify_all()
        self._server.shutdown()
        self._server.server_close()

    # -- what tests push --------------------------------------------------------------------

    def user(self, user_id: int, name: str = "Amira") -> dict[str, Any]:
        return {"id": user_id, "is_bot": False, "first_name": name, "language_code": "en"}

    def chat(self, chat_id: int, kind: str = "private") -> dict[str, Any]:
        chat = {"id": chat_id, "type": kind}
        chat.update({"first_name": "Amira"} if kind == "private" else {"title": "IMG study group"})
        self._chats[chat_id] = chat
        return chat

    def message(
        self,
        chat_id: int,
        text: str | None = None,
        *,
        user_id: int | None = None,
        kind: str = "private",
        extra: dict[str, Any] | None = None,
        reply_to: dict[str, Any] | None = None,
        entities: list[dict[str, Any]] | None = None,
    ) -> dict[str, Any]:
        """Push a user's message; returns it (as a dict, like Telegram's JSON)."""
        message: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": self.chat(chat_id, kind),
            "from": self.user(user_id or chat_id),
        }
        if text is not None:
            message["text"] = text
            commands = [m for m in re.finditer(r"^/\w+(@\w+)?", text)]
            message["entities"] = entities or [
                {"type": "bot_command", "offset": 0, "length": len(m.group(0))} for m in commands
            ]
            if not message["entities"]:
                del message["entities"]
        if reply_to:
            message["reply_to_message"] = reply_to
        message.update(extra or {})
        self._messages[(chat_id, message["message_id"])] = message
        self.push({"message": message})
        return message

    def edit(self, message: dict[str, Any], text: str) -> dict[str, Any]:
        edited = {**message, "text": text, "edit_date": int(time.time())}
        self.push({"edited_message": edited})
        return edited

    def press(self, message: dict[str, Any], data: str, user_id: int | None = None) -> str:
        """Press a button of a message the bot sent; returns the callback query id."""
        query_id = str(next(self._query_ids))
        self._callback_queries[query_id] = 0
        self._callback_pressed[query_id] = time.monotonic()
        chat_id = message["chat"]["id"]
        self.push(
            {
                "callback_query": {
                    "id": query_id,
                    "from": self.user(user_id or chat_id),
                    "chat_instance": "ci",
                    "message": message,
                    "data": data,
                }
            }
        )
        return query_id

    def inline(self, query: str, user_id: int = 99) -> str:
        query_id = f"iq{next(self._query_ids)}"
        self._inline_queries[query_id] = 0
        self.push(
            {
                "inline_query": {
                    "id": query_id,
                    "from": self.user(user_id),
                    "query": query,
                    "offset": "",
                }
            }
        )
        return query_id

    def push(self, update: dict[str, Any]) -> dict[str, Any]:
        with self._cond:
            update = {"update_id": next(self._update_ids), **update}
            self._updates.append(update)
            self._cond.notify_all()
        return update

    # -- what tests read --------------------------------------------------------------------

    def calls_to(self, method: str, ok_only: bool = True) -> list[Call]:
        with self._cond:
            return [
                c for c in self.calls if c.method == method and (c.status == 200 or not ok_only)
            ]

    def sent(self, chat_id: int) -> list[dict[str, Any]]:
        """Messages the bot sent to a chat (as Telegram stored them), in order."""
        with self._cond:
            return [
                m
                for (c, _), m in self._messages.items()
                if c == chat_id and m.get("from", {}).get("id") == BOT_ID
            ]

    def answered(self, query_id: str) -> int:
        with self._cond:
            return self._callback_queries.get(query_id, self._inline_queries.get(query_id, 0))

    def wait_for(self, predicate: Callable[[], Any], timeout: float = 30.0) -> Any:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            result = predicate()
            if result:
                return result
            with self._cond:
                self._cond.wait(0.05)
        raise AssertionError(f"timed out after {timeout} s waiting for {predicate}")

    def wait_sent(self, chat_id: int, count: int, timeout: float = 30.0) -> list[dict[str, Any]]:
        return self.wait_for(lambda: (s := self.sent(chat_id)) and len(s) >= count and s, timeout)

    # -- the Bot API --------------------------------------------------------------------------

    def handle(self, method: str, params: dict[str, Any]) -> Any:
        handler = getattr(self, f"api_{method}", None)
        if handler is None:
            raise BadRequest("Not Found", 404)
        return handler(params)

    def api_getMe(self, p: dict[str, Any]) -> Any:
        return {
            "id": BOT_ID,
            "is_bot": True,
            "first_name": "IMG Externship Assistant",
            "username": BOT_USERNAME,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": True,
        }

    def api_getUpdates(self, p: dict[str, Any]) -> Any:
        offset = int(p.get("offset") or 0)
        timeout = min(float(p.get("timeout") or 0), 2.0)  # keep test shutdowns quick
        deadline = time.monotonic() + timeout
        with self._cond:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
            while not self._updates and time.monotonic() < deadline:
                self._cond.wait(max(0.0, deadline - time.monotonic()))
            return list(self._updates[: int(p.get("limit") or 100)])

    def api_deleteWebhook(self, p: dict[str, Any]) -> Any:
        self.webhook = None
        return True

    def api_setWebhook(self, p: dict[str, Any]) -> Any:
        self.webhook = {"url": p.get("url"), "secret_token": p.get("secret_token")}
        return True

    def api_setMyCommands(self, p: dict[str, Any]) -> Any:
        commands = p.get("commands")
        if not isinstance(commands, list) or not commands:
            raise BadRequest("Bad Request: commands must be a non-empty list")
        for c in commands:
            if (
                not re.fullmatch(r"[a-z0-9_]{1,32}", c.get("command", ""))
                or not 1 <= len(c.get("description", "")) <= 256
            ):
                raise BadRequest("Bad Request: BOT_COMMAND_INVALID")
        return True

    def api_sendChatAction(self, p: dict[str, Any]) -> Any:
        return True

    def api_sendMessage(self, p: dict[str, Any]) -> Any:
        chat_id = int(p.get("chat_id", 0))
        if chat_id not in self._chats:
            raise BadRequest("Bad Request: chat not found")
        shown = check_message_text(p.get("text"), p.get("parse_mode"))
        check_keyboard(p.get("reply_markup"))
        message = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": self._chats[chat_id],
            "from": self.api_getMe({}),
            "text": shown,
            "html": p.get("text"),
        }
        if p.get("reply_markup") and "inline_keyboard" in p["reply_markup"]:
            message["reply_markup"] = p["reply_markup"]  # as Telegram: a force_reply is not kept
        self._messages[(chat_id, message["message_id"])] = message
        return message

    def api_editMessageText(self, p: dict[str, Any]) -> Any:
        key = (int(p.get("chat_id", 0)), int(p.get("message_id", 0)))
        message = self._messages.get(key)
        if message is None or message["from"]["id"] != BOT_ID:
            raise BadRequest("Bad Request: message to edit not found")
        shown = check_message_text(p.get("text"), p.get("parse_mode"))
        check_keyboard(p.get("reply_markup"))
        if shown == message["text"] and p.get("reply_markup") == message.get("reply_markup"):
            raise BadRequest("Bad Request: message is not modified")
        message.update(text=shown, html=p.get("text"), edit_date=int(time.time()))
        message["reply_markup"] = p.get("reply_markup")
        return message

    def api_answerCallbackQuery(self, p: dict[str, Any]) -> Any:
        query_id = str(p.get("callback_query_id"))
        pressed = self._callback_pressed.get(query_id, 0.0)
        late = self.callback_timeout is not None and (
            time.monotonic() - pressed > self.callback_timeout
        )
        if self._callback_queries.get(query_id, 1) >= 1 or late:
            raise BadRequest(
                "Bad Request: query is too old and response timeout expired or query ID is invalid"
            )
        if len(p.get("text") or "") > 200:
            raise BadRequest("Bad Request: MESSAGE_TOO_LONG")
        self._callback_queries[query_id] += 1
        return True

    def api_answerInlineQuery(self, p: dict[str, Any]) -> Any:
        query_id = str(p.get("inline_query_id"))
        if self._inline_queries.get(query_id, 1) >= 1:
            raise BadRequest(
                "Bad Request: query is too old and response timeout expired or query ID is invalid"
            )
        results = p.get("results")
        if not isinstance(results, list) or len(results) > 50:
            raise BadRequest("Bad Request: RESULTS_TOO_MUCH")
        ids = [r.get("id", "") for r in results]
        if len(set(ids)) != len(ids) or any(not 1 <= len(i.encode()) <= 64 for i in ids):
            raise BadRequest("Bad Request: RESULT_ID_INVALID")
        for r in results:
            content = r.get("input_message_content") or {}
            check_message_text(content.get("message_text"), content.get("parse_mode"))
            check_keyboard(r.get("reply_markup"))
        self._inline_queries[query_id] += 1
        return True

    # -- HTTP ---------------------------------------------------------------------------------

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:  # keep test output quiet
                pass

            def do_GET(self) -> None:
                self._serve()

            def do_POST(self) -> None:
                self._serve()

            def _serve(self) -> None:
                m = re.fullmatch(r"/bot([^/]+)/(\w+)", self.path.split("?")[0])
                params = _parse_body(self)
                method = m.group(2) if m else "?"
                try:
                    if not m or m.group(1) != fake.token:
                        raise BadRequest("Unauthorized", 401)
                    lost: LoseReply | None = None
                    try:
                        injected = fake.fault(method, params) if fake.fault else None
                    except (DropConnection, Hang) as exc:
                        if isinstance(exc, Hang):
                            self._wait_for_client_to_give_up()
                        with fake._cond:
                            fake.calls.append(Call(method, params, 0))
                            fake._cond.notify_all()
                        self._drop()
                        return
                    except LoseReply as exc:
                        injected, lost = None, exc
                    if injected:
                        status, body = injected
                    else:
                        status, body = 200, {"ok": True, "result": self._carry_out(method, params)}
                except BadRequest as exc:
                    status = exc.code
                    body = {"ok": False, "error_code": exc.code, "description": exc.description}
                with fake._cond:
                    fake.calls.append(Call(method, params, status, reply_lost=lost is not None))
                    fake._cond.notify_all()
                if lost is not None:
                    if lost.delay is None:
                        self._drop()
                        return
                    fake._stopping.wait(lost.delay)  # the client has given up by now
                payload = json.dumps(body).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def _carry_out(self, method: str, params: dict[str, Any]) -> Any:
                with fake._cond:
                    result = fake.handle(method, params)
                    fake._cond.notify_all()
                return result

            def _drop(self) -> None:
                """Close the connection without a response."""
                self.close_connection = True
                with contextlib.suppress(OSError):
                    self.connection.shutdown(socket.SHUT_RDWR)

            def _wait_for_client_to_give_up(self) -> None:
                """No response: wait until the client closes the connection (its read timeout),
                the server stops, or HANG_LIMIT passes."""
                deadline = time.monotonic() + HANG_LIMIT
                while time.monotonic() < deadline and not fake._stopping.is_set():
                    readable, _, _ = select.select([self.connection], [], [], 0.05)
                    if not readable:
                        continue
                    try:
                        if not self.connection.recv(1, socket.MSG_PEEK):
                            return  # the client closed its end
                    except OSError:
                        return
                    fake._stopping.wait(0.05)  # it sent more (it should not): keep waiting

        return Handler


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError):  # a client hung up: not our fault
            return
        super().handle_error(request, client_address)


def _parse_body(request: BaseHTTPRequestHandler) -> dict[str, Any]:
    length = int(request.headers.get("Content-Length") or 0)
    raw = request.rfile.read(length) if length else b""
    kind = request.headers.get("Content-Type", "")
    params: dict[str, Any] = {}
    if kind.startswith("application/json"):
        params = json.loads(raw or b"{}")
    elif kind.startswith("multipart/form-data"):
        msg = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
            b"Content-Type: " + kind.encode() + b"\r\n\r\n" + raw
        )
        for part in msg.iter_parts():
            name = part.get_param("name", header="content-disposition")
            params[str(name)] = part.get_content()
    else:
        params = {k: v[0] for k, v in parse_qs(raw.decode(), keep_blank_values=True).items()}
    for key in JSON_FIELDS & params.keys():
        if isinstance(params[key], str):
            params[key] = json.loads(params[key])
    return params

"""Sending through the WhatsApp Cloud API (Graph API): rendering a reply and posting it, with retries.

A :class:`bot.messages.BotMessage` becomes one or more WhatsApp messages: plain text split under 4,096
characters; reply buttons for one to three options; a list message for four to ten options, and several
list messages for more (the language menu has fifteen, and none of them may be dropped). A button's
payload travels as the WhatsApp button id when it fits, else as a short id remembered by
:class:`PayloadIds`. :class:`GraphClient` retries on HTTP 429, Graph error 130429 and 5xx with
exponential backoff, honouring ``Retry-After``; any other 4xx is logged and given up.
"""

from __future__ import annotations

import asyncio
import logging
import random
from dataclasses import dataclass
from typing import Any

import aiohttp

from bot.button_ids import ButtonIds
from bot.messages import BotMessage, Button

logger = logging.getLogger(__name__)

TEXT_LIMIT = 4096  # a text message's body
BODY_LIMIT = 1024  # an interactive message's body
BUTTON_TITLE_LIMIT = 20
BUTTON_ID_LIMIT = 256
ROW_TITLE_LIMIT = 24
ROW_DESCRIPTION_LIMIT = 72
ROW_ID_LIMIT = 200
MAX_BUTTONS = 3
MAX_ROWS = 10
MAX_ATTEMPTS = 4
BACKOFF_SECONDS = 0.25  # 0.25, 0.5, 1 s (plus up to 25 % jitter) between the four attempts
MAX_WAIT_SECONDS = 30.0  # a longer Retry-After is cut to this
REQUEST_TIMEOUT = aiohttp.ClientTimeout(total=15)
#: Graph error codes that mean "too many messages, try again": app (4), account (80007), number (130429)
#: and the pair limit (131056: about one message every 6 seconds to the same person, after a burst).
RATE_LIMITED = frozenset({4, 80007, 130429, 131056})
PAIR_RATE_LIMITED, PAIR_RATE_SECONDS = 131056, 6.0
OUTSIDE_WINDOW = 131047  # the person has not written for 24 hours: only a template may be sent
SHORT_ID_PREFIX = "ankommen:"
#: Where a long text may be cut, best first: paragraph, line, sentence end, word.
BREAKS = ("\n\n", "\n", ". ", "! ", "? ", "؟ ", "। ", "。", " ")
Payload = dict[str, Any]


def shorten(text: str, limit: int) -> str:
    """One line of at most ``limit`` characters, cut with an ellipsis when longer."""
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"


def split_text(text: str, limit: int = TEXT_LIMIT) -> list[str]:
    """Pieces of at most ``limit`` characters, cut at paragraph, sentence or word boundaries.

    The last piece is always a suffix of ``text.strip()``.
    """
    rest = text.strip()
    pieces: list[str] = []
    while len(rest) > limit:
        window = rest[:limit]
        cut = limit
        for mark in BREAKS:
            at = window.rfind(mark)
            if at >= limit // 2:  # never leave a tiny piece behind a late break
                cut = at + len(mark)
                break
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        pieces.append(rest)
    return pieces


class PayloadIds(ButtonIds):
    """Button and list-row ids: the payload itself when it fits, else ``ankommen:`` + 32 hex digits."""

    def __init__(self, size: int = 10_000) -> None:
        super().__init__(SHORT_ID_PREFIX, 32, len, size)


def _unique_titles(buttons: list[Button], limit: int) -> list[str]:
    """Shortened titles, made distinct (WhatsApp refuses two equal titles in one message)."""
    titles: list[str] = []
    for button in buttons:
        title, n = shorten(button.title, limit) or "…", 2
        while title in titles:
            title = shorten(button.title, limit - len(f" {n}")) + f" {n}"
            n += 1
        titles.append(title)
    return titles


def _text(body: str) -> Payload:
    return {"type": "text", "text": {"preview_url": False, "body": body}}


def _reply_buttons(body: str, buttons: list[Button], ids: PayloadIds) -> Payload:
    titles = _unique_titles(buttons, BUTTON_TITLE_LIMIT)
    return {
        "type": "interactive",
        "interactive": {
            "type": "button",
            "body": {"text": body},
            "action": {
                "buttons": [
                    {"type": "reply", "reply": {"id": ids.id_for(b.payload, BUTTON_ID_LIMIT), "title": t}}
                    for b, t in zip(buttons, titles, strict=True)
                ]
            },
        },
    }


def _list(body: str, buttons: list[Button], ids: PayloadIds, label: str) -> Payload:
    rows = []
    for button, title in zip(buttons, _unique_titles(buttons, ROW_TITLE_LIMIT), strict=True):
        row = {"id": ids.id_for(button.payload, ROW_ID_LIMIT), "title": title}
        if title != " ".join(button.title.split()):  # cut short: the whole title goes below it
            row["description"] = shorten(button.title, ROW_DESCRIPTION_LIMIT)
        rows.append(row)
    return {
        "type": "interactive",
        "interactive": {
            "type": "list",
            "body": {"text": body},
            "action": {
                "button": shorten(label, BUTTON_TITLE_LIMIT),
                "sections": [{"title": shorten(label, ROW_TITLE_LIMIT), "rows": rows}],
            },
        },
    }


def render(message: BotMessage, ids: PayloadIds, label: str) -> list[Payload]:
    """The WhatsApp messages (without recipient) for one bubble; ``label`` opens a list."""
    buttons: list[Button] = []
    for button in message.buttons:  # one option per payload: WhatsApp refuses equal ids
        if button.payload and all(b.payload != button.payload for b in buttons):
            buttons.append(button)
    if not buttons:
        return [_text(piece) for piece in split_text(message.text)]
    pieces = split_text(message.text, BODY_LIMIT)
    body = pieces[-1] if pieces else shorten(label, BODY_LIMIT)
    whole = message.text.strip()
    head = [_text(piece) for piece in split_text(whole[: len(whole) - len(body)])] if pieces else []
    if len(buttons) <= MAX_BUTTONS:
        return [*head, _reply_buttons(body, buttons, ids)]
    parts = -(-len(buttons) // MAX_ROWS)  # more than ten options: several lists of even size
    size = -(-len(buttons) // parts)
    chunks = [buttons[i : i + size] for i in range(0, len(buttons), size)]
    lists = [
        _list(body if n == 0 else f"({n + 1}/{parts})", chunk, ids, label) for n, chunk in enumerate(chunks)
    ]
    return [*head, *lists]


class GraphClient:
    """Posts to ``{base_url}/{phone_number_id}/messages`` with the access token; retries as documented."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        base_url: str,
        access_token: str,
        phone_number_id: str,
        *,
        attempts: int = MAX_ATTEMPTS,
        backoff: float = BACKOFF_SECONDS,
    ) -> None:
        self._session = session
        self._url = f"{base_url.rstrip('/')}/{phone_number_id}/messages"
        self._headers = {"Authorization": f"Bearer {access_token}"}
        self._attempts = attempts
        self._backoff = backoff

    async def send(self, to: str, message: Payload) -> bool:
        """Send one message to a WhatsApp id; False when it could not be sent (already logged)."""
        body = {"messaging_product": "whatsapp", "recipient_type": "individual", "to": to, **message}
        return await self._post(body, str(message.get("type")))

    async def mark_read(self, wamid: str, typing: bool = False) -> bool:
        """Blue ticks for a received message, and a typing indicator while the answer is prepared."""
        body: Payload = {"messaging_product": "whatsapp", "status": "read", "message_id": wamid}
        if typing:
            body["typing_indicator"] = {"type": "text"}
        return await self._post(body, "read receipt", attempts=1)

    async def _post(self, body: Payload, what: str, attempts: int | None = None) -> bool:
        attempts = attempts or self._attempts
        for attempt in range(1, attempts + 1):
            outcome = await self._attempt(body)
            if outcome.sent:
                return True
            if not outcome.retry:
                logger.error("WhatsApp %s not sent: %s", what, outcome.problem)
                return False
            if attempt == attempts:
                break
            jitter = 1 + random.random() / 4  # noqa: S311 - not for security
            delay = outcome.wait if outcome.wait is not None else self._backoff * 2 ** (attempt - 1) * jitter
            logger.warning("WhatsApp %s: %s; attempt %d in %.2f s", what, outcome.problem, attempt + 1, delay)
            await asyncio.sleep(delay)
        logger.error("WhatsApp %s not sent after %d attempts: %s", what, attempts, outcome.problem)
        return False

    async def _attempt(self, body: Payload) -> _Outcome:
        try:
            async with self._session.post(
                self._url, json=body, headers=self._headers, timeout=REQUEST_TIMEOUT
            ) as response:
                if response.status < 400:
                    return _Outcome(sent=True)
                answer = await response.json(content_type=None)
                error = answer.get("error") if isinstance(answer, dict) else None
                raw_code = str(error.get("code")) if isinstance(error, dict) else ""
                code = int(raw_code) if raw_code.isdigit() else None
                problem = f"HTTP {response.status}, Graph error {code}"
                if code == OUTSIDE_WINDOW:
                    problem += " (the 24-hour window is closed: only a template may be sent)"
                wait = _retry_after(response.headers.get("Retry-After"))
                if wait is None and code == PAIR_RATE_LIMITED:
                    wait = PAIR_RATE_SECONDS
                retry = response.status == 429 or response.status >= 500 or code in RATE_LIMITED
                return _Outcome(retry=retry, wait=wait, problem=problem)
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as exc:
            return _Outcome(retry=True, problem=type(exc).__name__)


@dataclass(frozen=True)
class _Outcome:
    """What one POST to the Graph API came to."""

    sent: bool = False
    retry: bool = False
    wait: float | None = None  # the server's Retry-After, in seconds
    problem: str = ""


def _retry_after(value: str | None) -> float | None:
    """``Retry-After`` in seconds (HTTP dates are not used by the Graph API), capped."""
    try:
        return min(max(float(value), 0.0), MAX_WAIT_SECONDS) if value else None
    except ValueError:
        return None

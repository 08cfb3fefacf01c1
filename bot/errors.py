"""Errors the HTTP layer turns into clear answers, and the middleware that does it."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from aiohttp import web

from bot.storage import StorageUnavailable

logger = logging.getLogger(__name__)


class HttpError(Exception):
    status = 500
    code = "internal_error"


class BadRequest(HttpError):
    status = 400
    code = "bad_request"


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Clear JSON errors for the API, no tracebacks to clients, every unexpected error logged."""
    try:
        return await handler(request)
    except HttpError as exc:
        return web.json_response({"error": exc.code, "message": str(exc)}, status=exc.status)
    except StorageUnavailable:
        return web.json_response(
            {
                "error": "storage_unavailable",
                "message": "A technical problem: please try again in a few minutes.",
            },
            status=503,
        )
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        return web.json_response(
            {"error": exc.reason.lower().replace(" ", "_"), "message": exc.reason}, status=exc.status
        )
    except Exception:
        logger.exception("unexpected error on %s %s", request.method, request.path)
        return web.json_response({"error": "internal_error", "message": "Something went wrong."}, status=500)

"""One JSON and text policy for the whole API, applied at the app (ASGI) level.

Every request whose body is JSON (``application/json``, ``*/*+json``, or a body without a content type,
which FastAPI also parses as JSON) is checked by :class:`JSONPolicyMiddleware` before any route, sign-in
or validation sees it:

* numbers are finite: ``NaN``, ``Infinity``, ``-Infinity`` and floats that overflow (``1e999``) are refused;
* integers fit in 64 bits (what PostgreSQL's BIGINT and SQLite's INTEGER hold);
* strings and keys are valid Unicode: no lone surrogate (``"\\udcff"``), the body is valid UTF-8;
* nesting is bounded (Python's parser would otherwise raise RecursionError).

A refused body gets ``422 {"detail": [{"loc": ["body"], "msg": "<one line>", "type": "json_policy"}]}``
(FastAPI's validation-error shape) and never reaches the services, so nothing is
committed. Because the check is middleware, every router included later inherits it with no change.

Answers: :class:`SafeJSONResponse` (used by every error handler) never emits NaN or a lone surrogate;
the routes' own answers are serialized by pydantic, which writes non-finite floats as ``null``.
"""

from __future__ import annotations

import json
import math
from email.message import Message
from typing import Any

from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

MAX_DEPTH = 64
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


class PolicyViolation(ValueError):
    """The body breaks the JSON policy (message: one readable line)."""


def _is_surrogate_free(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _reject_constant(name: str) -> Any:
    raise PolicyViolation(f"{name} is not allowed: numbers must be finite")


def _parse_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise PolicyViolation(f"the number {text[:40]} is out of range: numbers must be finite")
    return value


def _parse_int(text: str) -> int:
    if len(text) > 20:
        raise PolicyViolation(f"the integer {text[:24]}... is out of range (64-bit integers only)")
    value = int(text)
    if not INT64_MIN <= value <= INT64_MAX:
        raise PolicyViolation(f"the integer {text} is out of range (64-bit integers only)")
    return value


def _walk(value: Any, depth: int = 0) -> None:
    if depth > MAX_DEPTH:
        raise PolicyViolation(f"the JSON is nested deeper than {MAX_DEPTH} levels")
    if isinstance(value, str):
        if not _is_surrogate_free(value):
            raise PolicyViolation("a string contains a lone surrogate (invalid Unicode)")
    elif isinstance(value, dict):
        for k, v in value.items():
            if not _is_surrogate_free(k):
                raise PolicyViolation("a key contains a lone surrogate (invalid Unicode)")
            _walk(v, depth + 1)
    elif isinstance(value, list):
        for v in value:
            _walk(v, depth + 1)


def check_json_body(body: bytes) -> str | None:
    """The policy's one-line objection to ``body``, or None when it complies (or is not JSON at all:
    FastAPI then answers its own 422 for the malformed JSON)."""
    if not body.strip():
        return None
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return "the body is not valid UTF-8"
    try:
        value = json.loads(text, parse_constant=_reject_constant, parse_float=_parse_float, parse_int=_parse_int)
    except PolicyViolation as exc:
        return str(exc)
    except RecursionError:
        return f"the JSON is nested deeper than {MAX_DEPTH} levels"
    except ValueError:
        return None  # malformed JSON: FastAPI's own 422 (json_invalid)
    try:
        _walk(value)
    except PolicyViolation as exc:
        return str(exc)
    return None


def _json_content(scope: Scope) -> bool:
    content_type = None
    for key, val in scope.get("headers", ()):
        if key == b"content-type":
            content_type = val.decode("latin-1")
            break
    if not content_type:
        return True  # FastAPI parses a body without a content type as JSON
    message = Message()
    message["content-type"] = content_type
    subtype = message.get_content_subtype()
    return subtype == "json" or subtype.endswith("+json")


class JSONPolicyMiddleware:
    """Refuses JSON request bodies that break the policy (module docstring) with a 422, for every route."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not _has_body(scope) or not _json_content(scope):
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        more = True
        while more:  # bounded: the app's max_body_size limiter wraps ``receive``
            message = await receive()
            if message["type"] != "http.request":
                await self.app(scope, _replay([], message, receive), send)
                return
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        body = b"".join(chunks)
        problem = check_json_body(body)
        if problem is not None:
            # the shape of every other 422 (FastAPI's HTTPValidationError), so clients and the OpenAPI
            # schema need nothing new: detail[0].msg is the one-line message
            detail = [{"loc": ["body"], "msg": problem, "type": "json_policy"}]
            await SafeJSONResponse({"detail": detail}, status_code=422)(scope, receive, send)
            return
        await self.app(scope, _replay([body], None, receive), send)


def _has_body(scope: Scope) -> bool:
    for key, val in scope.get("headers", ()):
        if key == b"content-length" and val.strip() not in (b"", b"0"):
            return True
        if key == b"transfer-encoding":
            return True
    return False


def _replay(bodies: list[bytes], first: Any, receive: Receive) -> Receive:
    pending: list[Any] = [{"type": "http.request", "body": b, "more_body": False} for b in bodies]
    if first is not None:
        pending.append(first)

    async def replay() -> Any:
        if pending:
            return pending.pop(0)
        return await receive()

    return replay


def sanitize(value: Any) -> Any:
    """``value`` with non-finite floats as None and lone surrogates as U+FFFD (answers only)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, str):
        if _is_surrogate_free(value):
            return value
        return "".join("\ufffd" if 0xD800 <= ord(c) <= 0xDFFF else c for c in value)
    if isinstance(value, dict):
        return {sanitize(str(k)): sanitize(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [sanitize(v) for v in value]
    return value


class SafeJSONResponse(JSONResponse):
    """A JSON answer that is always valid JSON: no NaN/Infinity, no lone surrogate."""

    def render(self, content: Any) -> bytes:
        return json.dumps(
            sanitize(content), ensure_ascii=False, allow_nan=False, separators=(",", ":")
        ).encode("utf-8")

"""`Idempotency-Key` on every POST of the API: a write retried with its key is not made twice.

A POST sent with the header first claims the key: a row for (API token, key) with the SHA-256
of the method, path and body is inserted and committed before the write runs, and the unique
constraint on (token, key) lets exactly one of several concurrent requests through. When the
write answers, the row keeps its status, headers and body for a day. Then the same key:

- with the same request again: the kept answer, with `Idempotent-Replayed: true`, no write;
- with another body or path: 422;
- while the first request still runs: 409 (retry a moment later).

An answer that is an error (a refused body, a conflict, a failure) frees the key, so the
corrected request may use it. Expired keys are deleted by every claim (and `deals purge`).
"""

import hashlib
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated, Any

from fastapi import Depends, Header, Request
from fastapi.routing import APIRoute
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from app.api.errors import ApiProblem, problem_responses
from app.models import IdempotencyKey, utcnow
from app.unit_of_work import SessionDep
from app.web.security import CurrentUser

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
KEY_LIFETIME = timedelta(days=1)
KEY_MAX_LENGTH = 255
# The headers of an answer that are kept and replayed with its body.
KEPT_HEADERS = ("content-type", "location")
KEY_MISUSED = "urn:compute-deal-tracker:problem:idempotency-key-reused"
KEY_IN_USE = "urn:compute-deal-tracker:problem:idempotency-key-in-use"
HEADER_DESCRIPTION = (
    "Makes this POST safe to retry: a unique value per write (e.g. a UUID), at most "
    f"{KEY_MAX_LENGTH} printable characters. The same key with the same request within a day "
    f"replays the first answer (with `{REPLAYED_HEADER}: true`) and writes nothing; with another "
    "request it is a 422; while the first request is still running, a 409."
)


@dataclass(frozen=True)
class Claim:
    """This request holds the key: its answer is to be kept in row `row_id`."""

    session: Session
    row_id: int


class Replay(Exception):
    """The key's first request answered already; this is its answer."""

    def __init__(self, row: IdempotencyKey) -> None:
        super().__init__(row.key)
        self.response = Response(
            content=row.response_body,
            status_code=row.status_code or 200,
            headers={**(row.response_headers or {}), REPLAYED_HEADER: "true"},
        )


def request_digest(method: str, path: str, body: bytes) -> str:
    return hashlib.sha256(f"{method} {path}\n".encode() + body).hexdigest()


def purge_expired(session: Session) -> int:
    """Delete the keys past their day; how many."""
    result = session.execute(delete(IdempotencyKey).where(IdempotencyKey.expires_at <= utcnow()))
    session.commit()
    return int(result.rowcount)  # type: ignore[attr-defined]


def claim(session: Session, token_id: int, user_id: int, key: str, digest: str) -> Claim:
    """Insert the key's row first; Replay, or ApiProblem 422/409, when it is there already."""
    purge_expired(session)
    now = utcnow()
    row = IdempotencyKey(
        token_id=token_id,
        user_id=user_id,
        key=key,
        request_hash=digest,
        created_at=now,
        expires_at=now + KEY_LIFETIME,
    )
    session.add(row)
    try:
        session.commit()
        return Claim(session, row.id)
    except IntegrityError:
        session.rollback()
    stmt = select(IdempotencyKey).where(
        IdempotencyKey.token_id == token_id, IdempotencyKey.key == key
    )
    existing = session.scalars(stmt).one_or_none()
    if existing is None:  # it expired between the insert and this read
        raise _in_use(key)
    if existing.request_hash != digest:
        raise ApiProblem(
            422,
            f"The {HEADER} '{key}' was sent with another request (a different body or path) "
            "in the last day. Use a new key for a new request.",
            type=KEY_MISUSED,
            title=f"{HEADER} reused",
            errors={HEADER: ["This key was used for another request."]},
        )
    if existing.status_code is None:
        raise _in_use(key)
    raise Replay(existing)


def _in_use(key: str) -> ApiProblem:
    return ApiProblem(
        409,
        f"A request with the {HEADER} '{key}' is still being answered. "
        "Send this one again in a moment to get its answer.",
        type=KEY_IN_USE,
        title=f"{HEADER} in use",
        headers={"Retry-After": "1"},
    )


def keep_answer(claimed: Claim, response: Response) -> None:
    """Keep a success's answer on the key's row; any other answer frees the key."""
    row = claimed.session.get(IdempotencyKey, claimed.row_id)
    if row is None:
        return
    body = getattr(response, "body", None)  # a streamed answer has none to keep
    if 200 <= response.status_code < 300 and isinstance(body, bytes | memoryview):
        row.status_code = response.status_code
        row.response_headers = {
            name: value for name in KEPT_HEADERS if (value := response.headers.get(name))
        }
        row.response_body = bytes(body)
    else:
        claimed.session.delete(row)
    claimed.session.commit()


def release(claimed: Claim) -> None:
    """The request failed: free its key."""
    claimed.session.rollback()
    claimed.session.execute(delete(IdempotencyKey).where(IdempotencyKey.id == claimed.row_id))
    claimed.session.commit()


async def claim_key(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    key: Annotated[
        str | None,
        Header(
            alias=HEADER,
            min_length=1,
            max_length=KEY_MAX_LENGTH,
            pattern=r"^[\x21-\x7e]+$",
            description=HEADER_DESCRIPTION,
        ),
    ] = None,
) -> None:
    """A POST's dependency: with a key and an API token, claim the key (request.state.claim);
    without either, nothing (a write without a token is refused anyway)."""
    token_id = getattr(request.state, "api_token_id", None)
    if key is None or user is None or token_id is None:
        return
    digest = request_digest(request.method, request.url.path, await request.body())
    request.state.claim = await run_in_threadpool(claim, session, token_id, user.id, key, digest)


ClaimKey = Depends(claim_key)


class IdempotentRoute(APIRoute):
    """The API's route class: a POST takes `Idempotency-Key` (claim_key, documented in the
    schema as a header parameter), keeps its answer, and answers a retry with it."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        dependencies = list(kwargs.get("dependencies") or [])
        methods = {m.upper() for m in kwargs.get("methods") or ()}
        if "POST" in methods and not any(d.dependency is claim_key for d in dependencies):
            kwargs["dependencies"] = [*dependencies, ClaimKey]
            # A key in use (409) or reused for another request (422) can answer any POST.
            kwargs["responses"] = {**problem_responses(409, 422), **(kwargs.get("responses") or {})}
        super().__init__(path, endpoint, **kwargs)

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        if "POST" not in (self.methods or ()):
            return handler

        async def idempotent(request: Request) -> Response:
            try:
                response = await handler(request)
            except Replay as replay:
                return replay.response
            except BaseException:
                claimed = getattr(request.state, "claim", None)
                if claimed is not None:
                    await run_in_threadpool(release, claimed)
                raise
            claimed = getattr(request.state, "claim", None)
            if claimed is not None:
                await run_in_threadpool(keep_answer, claimed, response)
            return response

        return idempotent

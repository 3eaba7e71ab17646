"""Posting to a Threads account through the Threads Graph API, with httpx. Only the syndicate run calls this.

A post is two requests: a TEXT media container (``text`` and ``link_attachment`` = the Korean page,
so Threads shows its link card), then ``threads_publish`` with the container's id as
``creation_id``. Threads has no idempotency key, so exactly-once rests on the state file's pending
marker: a run that finds one reads the account's recent threads first (``GET /me/threads``) and
recognises the post by its link; only when none matches is it sent again.

The token travels in the ``Authorization`` header of every posting request. ``debug_token`` and
``refresh_access_token`` take a token as a query parameter by design, so httpx's request log line
is scrubbed while a client is open, and every error is built with :meth:`Secrets.scrub`.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, quote_plus, urlsplit

import httpx

from kowp_site import __version__
from kowp_site.errors import KowpError
from kowp_site.social import Posted, Secrets, TargetError
from kowp_site.social.compose import Message

DEFAULT_API = "https://graph.threads.net/v1.0"
API_ENV = "KOWP_THREADS_API"
TOKEN_ENV = "KOWP_THREADS_TOKEN"
SECRET_ENVIRONMENT = "syndication"  # the GitHub environment deploy.yml's syndicate job reads secrets from
RECENT = 50  # threads searched for a post a run sent but could not record
TOKEN_DAYS = 60  # a long-lived token's life; each refresh starts it again
WARN_DAYS = 50
EXPIRED_CODES = (190, 102)  # Graph API: invalid or expired access token (OAuthException), session expired
EXPIRED_HINT = (
    f"{TOKEN_ENV}의 Threads 토큰이 만료되었거나 유효하지 않습니다. Meta 앱에서 새 장기 토큰을 받아 GitHub 비밀 "
    f"{TOKEN_ENV}에 저장하십시오 / the Threads access token in {TOKEN_ENV} has expired or is invalid: get a new "
    f"long-lived token and store it in the GitHub secret {TOKEN_ENV} (docs/syndication.md#threads)"
)


class TokenExpired(TargetError):
    """The Graph API refused the token itself (error 190): only a new token helps."""


def register(secrets: Secrets, token: str) -> None:
    """Add ``token`` and the forms it takes in a query string, so a logged address is scrubbed too."""
    for form in (token, quote(token, safe=""), quote_plus(token)):
        secrets.add(form)


class _ScrubLog(logging.Filter):
    """Rewrites httpx's "HTTP Request: GET <url>" lines so a token in a query string is never logged."""

    def __init__(self, secrets: Secrets):
        super().__init__()
        self.secrets = secrets

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = self.secrets.scrub(record.getMessage()), None
        return True


def container_params(message: Message) -> dict[str, str]:
    """The form of ``POST /{user-id}/threads`` for ``message``: a TEXT post with the page as its link card."""
    return {"media_type": "TEXT", "text": message.text.text, "link_attachment": message.url}


def api_base(value: str) -> str:
    base = (value or DEFAULT_API).strip().rstrip("/")
    parts = urlsplit(base)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise KowpError(f"{API_ENV} {base!r} is not an http(s) address, e.g. {DEFAULT_API}")
    return base


def refresh_url(base: str) -> str:
    """``refresh_access_token`` lives at the API host's root, beside (not under) ``/v1.0``."""
    parts = urlsplit(base)
    return f"{parts.scheme}://{parts.netloc}/refresh_access_token"


class _Client:
    """One httpx client for the Graph API; every failure becomes a scrubbed :class:`TargetError`."""

    def __init__(self, base: str, secrets: Secrets, timeout: float, headers: dict[str, str]):
        self.base = api_base(base)
        self.secrets = secrets
        self._filter = _ScrubLog(secrets)
        logging.getLogger("httpx").addFilter(self._filter)
        self.http = httpx.Client(
            timeout=timeout, headers={"User-Agent": f"kowp-site/{__version__}", **headers}, follow_redirects=False
        )

    def close(self) -> None:
        self.http.close()
        logging.getLogger("httpx").removeFilter(self._filter)

    def call(self, method: str, url: str, what: str, **kwargs: Any) -> dict[str, Any]:
        try:
            response = self.http.request(method, url if "://" in url else self.base + url, **kwargs)
        except httpx.HTTPError as exc:
            raise self.secrets.error(f"threads: {what}", exc) from None
        try:
            body = response.json()
        except ValueError:
            body = None
        error = body.get("error") if isinstance(body, dict) else None
        if response.is_success and isinstance(body, dict) and not error:
            return body
        if not isinstance(error, dict):
            error = {}
        detail = str(error.get("message") or response.reason_phrase or "no answer").strip()
        if error.get("code") in EXPIRED_CODES or response.status_code == 401:
            raise TokenExpired(self.secrets.scrub(f"threads: {what}: {EXPIRED_HINT} ({detail})"))
        code = f", error {error['code']}" if "code" in error else ""
        raise TargetError(self.secrets.scrub(f"threads: {what}: HTTP {response.status_code}{code}: {detail}"))


class ThreadsTarget:
    name = "threads"

    def __init__(self, api: str, token: str, secrets: Secrets, *, timeout: float = 30.0):
        register(secrets, token)
        self.secrets = secrets
        self._token = token
        try:
            self.client = _Client(api, secrets, timeout, {"Authorization": f"Bearer {token}"})
        except KowpError as exc:
            raise TargetError(secrets.scrub(str(exc))) from None
        self.user_id = ""

    def close(self) -> None:
        self.client.close()

    def _me(self) -> str:
        if not self.user_id:
            me = self.client.call("GET", "/me", "cannot read the account", params={"fields": "id,username"})
            if not me.get("id"):
                raise TargetError("threads: cannot read the account: the service returned no user id")
            self.user_id = str(me["id"])
        return self.user_id

    def find(self, message: Message) -> Posted | None:
        """The thread an earlier run published for ``message`` (its link card or its text holds the page's link)."""
        fields = "id,permalink,link_attachment_url,text,timestamp"
        found = self.client.call(
            "GET", "/me/threads", "cannot read the account's threads", params={"fields": fields, "limit": RECENT}
        )
        want = message.url.rstrip("/")
        for item in found.get("data") or []:
            if not isinstance(item, dict) or not item.get("id"):
                continue
            link = str(item.get("link_attachment_url") or "").rstrip("/")
            if link == want or message.url in str(item.get("text") or ""):
                return Posted(id=str(item["id"]), url=str(item.get("permalink") or ""))
        return None

    def send(self, message: Message) -> Posted:
        user = self._me()
        container = self.client.call(
            "POST", f"/{user}/threads", "cannot create the post", data=container_params(message)
        )
        if not container.get("id"):
            raise TargetError("threads: cannot create the post: the service returned no container id")
        published = self.client.call(
            "POST", f"/{user}/threads_publish", "publishing failed", data={"creation_id": str(container["id"])}
        )
        if not published.get("id"):
            raise TargetError("threads: publishing failed: the service returned no post id")
        media = str(published["id"])
        try:  # the post exists now: a missing permalink must not make the run send it again
            url = str(self.client.call("GET", f"/{media}", "", params={"fields": "permalink"}).get("permalink") or "")
        except TargetError:
            url = ""
        return Posted(id=media, url=url)

    def checkup(self, now: dt.datetime) -> tuple[list[str], list[str]]:
        """Warnings and notes about the token: its age from ``debug_token`` (``issued_at``, else ``expires_at``).

        A long-lived token lives 60 days; past 50 it should be refreshed. An expired token is a
        warning here (nothing may be due, so no post would report it); a service that does not
        tell the age gives a note, never a failure.
        """
        try:
            answer = self.client.call(
                "GET", "/debug_token", "cannot check the token", params={"input_token": self._token}
            )
        except TokenExpired as exc:
            return [str(exc)], []
        except TargetError as exc:
            return [], [f"threads: the token's age is unknown ({exc})"]
        data = answer.get("data") if isinstance(answer.get("data"), dict) else {}
        age = token_age(data, now)
        if data.get("is_valid") is False:
            return [f"threads: {EXPIRED_HINT}"], []
        if age is None:
            return [], ["threads: the service did not tell the token's age (no issued_at or expires_at)"]
        if age >= dt.timedelta(days=WARN_DAYS):
            left = max(TOKEN_DAYS - age.days, 0)
            return [
                f"threads: {TOKEN_ENV}의 토큰이 {age.days}일 지났습니다 (약 {left}일 뒤 만료). "
                f"`kowp-site syndicate --refresh-threads-token`으로 갱신하십시오 / the token is {age.days} days old "
                f"and expires in about {left} days: refresh it (docs/syndication.md#threads)"
            ], []
        return [], []


def token_age(data: dict[str, Any], now: dt.datetime) -> dt.timedelta | None:
    """How old a token is, from debug_token's ``issued_at`` or, without it, its ``expires_at`` (60-day life)."""
    for key, offset in (("issued_at", dt.timedelta()), ("expires_at", dt.timedelta(days=TOKEN_DAYS))):
        value = data.get(key)
        if isinstance(value, int) and not isinstance(value, bool) and value > 0:
            return now - (dt.datetime.fromtimestamp(value, dt.UTC) - offset)
    return None


@dataclass(frozen=True)
class Refreshed:
    token: str
    expires_in: int | None  # seconds, as the service says; None when it does not


def refresh(api: str, token: str, secrets: Secrets, *, timeout: float = 30.0) -> Refreshed:
    """A new long-lived token from ``GET /refresh_access_token?grant_type=th_refresh_token``.

    The service refreshes a token that is at least a day old and not expired; the new one lives 60
    days. Its value is added to ``secrets`` before anything else can print it.
    """
    register(secrets, token)
    client = _Client(api, secrets, timeout, {})
    try:
        answer = client.call(
            "GET",
            refresh_url(client.base),
            "cannot refresh the token",
            params={"grant_type": "th_refresh_token", "access_token": token},
        )
    finally:
        client.close()
    new = str(answer.get("access_token") or "")
    register(secrets, new)
    if not new:
        raise TargetError("threads: cannot refresh the token: the service returned no access_token")
    expires = answer.get("expires_in")
    return Refreshed(new, expires if isinstance(expires, int) and not isinstance(expires, bool) else None)

"""Posting to a Bluesky account through the atproto SDK. Only the syndicate run calls this.

Every post is created with a record key derived from the post's guid (a valid TID, see
:func:`kowp_site.social.syndicate.record_key`), so a retry can never make a second post: the service
refuses a second record under the same key, and :meth:`BlueskyTarget.find` reads it back.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from kowp_site.social import Posted, Secrets, require
from kowp_site.social.compose import Message

COLLECTION = "app.bsky.feed.post"
THUMB_BYTES = 1_000_000  # app.bsky.embed.external's thumbnail limit
THUMB_TYPES = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".webp": "image/webp",
    ".gif": "image/gif",
}
DEFAULT_SERVICE = "https://bsky.social"


def post_record(message: Message, thumb: dict[str, Any] | None = None) -> dict[str, Any]:
    """The ``app.bsky.feed.post`` record of ``message`` (with ``thumb``, an uploaded blob, if any)."""
    record: dict[str, Any] = {
        "$type": COLLECTION,
        "text": message.text.text,
        "createdAt": message.created_at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        "langs": [message.language],
        "facets": [f.record() for f in message.text.facets],
    }
    if message.card is not None:
        external: dict[str, Any] = {
            "uri": message.card.uri,
            "title": message.card.title,
            "description": message.card.description,
        }
        if thumb is not None:
            external["thumb"] = thumb
        record["embed"] = {"$type": "app.bsky.embed.external", "external": external}
    return record


def web_url(did: str, rkey: str) -> str:
    return f"https://bsky.app/profile/{did}/post/{rkey}"


class BlueskyTarget:
    name = "bluesky"

    def __init__(self, service: str, handle: str, password: str, secrets: Secrets, *, timeout: float = 30.0):
        self.secrets = secrets
        secrets.add(password)
        self.handle = handle
        self._password = password
        self.did = ""
        atproto = require("atproto")
        self.models = atproto.models
        try:
            request = require("atproto_client.request").Request(timeout=timeout)
            self.client = atproto.Client(base_url=service or DEFAULT_SERVICE, request=request)
        except Exception as exc:  # noqa: BLE001 - any library error becomes a scrubbed TargetError
            raise secrets.error("bluesky: cannot set up the client", exc) from None

    def _login(self) -> str:
        if self.did:
            return self.did

        def remember(_event: object, session: Any) -> None:
            self.secrets.add(session.access_jwt)
            self.secrets.add(session.refresh_jwt)
            self.did = session.did

        self.client.on_session_change(remember)
        try:
            self.client.login(self.handle, self._password, fetch_bsky_profile=False)
        except Exception as exc:  # noqa: BLE001
            raise self.secrets.error(
                "bluesky: login failed (check KOWP_BLUESKY_HANDLE and the app password)", exc
            ) from None
        if not self.did:
            raise self.secrets.error("bluesky: login failed", RuntimeError("the service returned no account"))
        return self.did

    def find(self, message: Message) -> Posted | None:
        """The post a crashed run created for ``message``, read back by its record key."""
        did = self._login()
        params = self.models.ComAtprotoRepoGetRecord.Params(repo=did, collection=COLLECTION, rkey=message.key)
        try:
            found = self.client.com.atproto.repo.get_record(params)
        except Exception as exc:  # noqa: BLE001
            if _not_found(exc):
                return None
            raise self.secrets.error("bluesky: cannot read back a post", exc) from None
        return Posted(id=str(found.uri), url=web_url(did, message.key))

    def send(self, message: Message) -> Posted:
        did = self._login()
        thumb = self._thumb(message)
        data = self.models.ComAtprotoRepoCreateRecord.Data(
            repo=did, collection=COLLECTION, rkey=message.key, record=post_record(message, thumb)
        )
        try:
            created = self.client.com.atproto.repo.create_record(data)
        except Exception as exc:  # noqa: BLE001
            # The key is taken when another run already made this post: that post is the answer.
            existing = self.find(message)
            if existing is not None:
                return existing
            raise self.secrets.error("bluesky: posting failed", exc) from None
        return Posted(id=str(created.uri), url=web_url(did, message.key))

    def _thumb(self, message: Message) -> dict[str, Any] | None:
        """Upload the card's image when it is a file of this site; no thumbnail otherwise."""
        card = message.card
        if card is None or card.thumb is None:
            return None
        mime = THUMB_TYPES.get(card.thumb.suffix.lower())
        try:
            data = card.thumb.read_bytes()
        except OSError:
            return None
        if mime is None or len(data) > THUMB_BYTES:
            return None
        try:
            uploaded = self.client.com.atproto.repo.upload_blob(data, headers={"Content-Type": mime})
        except Exception as exc:  # noqa: BLE001
            raise self.secrets.error("bluesky: thumbnail upload failed", exc) from None
        return uploaded.blob.model_dump(by_alias=True, exclude_none=True)


def _not_found(exc: Exception) -> bool:
    response = getattr(exc, "response", None)
    content = getattr(response, "content", None)
    error = getattr(content, "error", None)
    return getattr(response, "status_code", None) in (400, 404) and error in ("RecordNotFound", "NotFound")

"""Posting to a Mastodon account through Mastodon.py. Only the syndicate run calls this.

A send carries an ``Idempotency-Key`` (the same on every retry of one post), so a retry within the
hour Mastodon remembers keys returns the first status instead of a second one. After a crash the
run calls :meth:`MastodonTarget.find` first: the account's recent statuses are searched for the
post's address, which works however long ago the crash was.
"""

from __future__ import annotations

import html

from kowp_site import __version__
from kowp_site.social import Posted, Secrets, require
from kowp_site.social.compose import Message

RECENT = 40  # statuses searched for a post a crashed run may already have sent


class MastodonTarget:
    name = "mastodon"

    def __init__(self, base_url: str, token: str, secrets: Secrets, *, timeout: float = 30.0):
        self.secrets = secrets
        secrets.add(token)
        mastodon = require("mastodon")
        try:
            self.api = mastodon.Mastodon(
                access_token=token,
                api_base_url=base_url.rstrip("/"),
                version_check_mode="none",  # no extra request; we use only long-standing endpoints
                ratelimit_method="throw",  # a limited run fails now and is retried by the next one
                request_timeout=timeout,
                user_agent=f"kowp-site/{__version__}",
            )
        except Exception as exc:  # noqa: BLE001 - any library error becomes a scrubbed TargetError
            raise secrets.error("mastodon: cannot set up the client", exc) from None

    def find(self, message: Message) -> Posted | None:
        """The status a crashed run sent for ``message``, if the account has one."""
        try:
            me = self.api.account_verify_credentials()
            statuses = self.api.account_statuses(me["id"], limit=RECENT, exclude_reblogs=True)
        except Exception as exc:  # noqa: BLE001
            raise self.secrets.error("mastodon: cannot read the account's statuses", exc) from None
        for status in statuses or []:
            if message.url in html.unescape(str(status.get("content") or "")):
                return _posted(status)
        return None

    def send(self, message: Message) -> Posted:
        try:
            status = self.api.status_post(
                message.text.text,
                visibility="public",
                language=message.language,
                idempotency_key=message.key,
            )
        except Exception as exc:  # noqa: BLE001
            raise self.secrets.error("mastodon: posting failed", exc) from None
        return _posted(status)


def _posted(status: dict) -> Posted:
    return Posted(id=str(status["id"]), url=str(status.get("url") or status.get("uri") or ""))

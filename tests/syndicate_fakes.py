"""Fake Mastodon, Bluesky (XRPC) and Threads (Graph API) services on 127.0.0.1, run inside the test process.

Each records every request it receives and keeps what was posted, so tests can assert exactly what
reached the service. ``fail`` makes posting answer with that HTTP status; ``echo_secrets`` puts the
credentials the client sent into the error body, to prove clients scrub them.
"""

from __future__ import annotations

import base64
import html
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]  # names in lower case
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    def form(self) -> dict[str, list[str]]:
        return parse_qs(self.body.decode())


@dataclass
class FakeService:
    requests: list[Request] = field(default_factory=list)
    fail: int | None = None
    echo_secrets: bool = False

    def start(self) -> FakeService:
        service = self

        class Handler(BaseHTTPRequestHandler):
            def _do(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                parts = urlsplit(self.path)
                request = Request(
                    self.command,
                    parts.path,
                    parse_qs(parts.query),
                    {k.lower(): v for k, v in self.headers.items()},
                    self.rfile.read(length),
                )
                service.requests.append(request)
                status, payload = service.handle(request)
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = _do

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.02,), daemon=True)
        self.thread.start()
        return self

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def handle(self, request: Request) -> tuple[int, Any]:
        raise NotImplementedError

    def calls(self, method: str, path: str) -> list[Request]:
        return [r for r in self.requests if r.method == method and r.path == path]


@dataclass
class FakeMastodon(FakeService):
    token: str = "mastodon-token-SECRET-1234"
    statuses: list[dict[str, Any]] = field(default_factory=list)
    keys: dict[str, dict[str, Any]] = field(default_factory=dict)

    account = {"id": "7", "username": "kowp", "acct": "kowp", "display_name": "워드프레스 뉴스"}

    def forget_keys(self) -> None:
        """What Mastodon does an hour after a post: it no longer knows its Idempotency-Key."""
        self.keys.clear()

    def handle(self, request: Request) -> tuple[int, Any]:
        if request.headers.get("authorization") != f"Bearer {self.token}":
            return 401, {"error": "The access token is invalid"}
        if request.path == "/api/v1/accounts/verify_credentials":
            return 200, self.account
        if request.path == f"/api/v1/accounts/{self.account['id']}/statuses":
            return 200, list(reversed(self.statuses))
        if request.method == "POST" and request.path == "/api/v1/statuses":
            if self.fail:
                echo = f" (sent {request.headers.get('authorization')})" if self.echo_secrets else ""
                return self.fail, {"error": f"boom{echo}"}
            key = request.headers.get("idempotency-key", "")
            if key and key in self.keys:
                return 200, self.keys[key]
            form = request.form() if request.body and not request.body.startswith(b"{") else {}
            params = {k: v[0] for k, v in form.items()} if form else request.json()
            n = len(self.statuses) + 1
            status = {
                "id": str(100 + n),
                "url": f"{self.url}/@kowp/{100 + n}",
                "uri": f"{self.url}/users/kowp/statuses/{100 + n}",
                "content": "<p>" + html.escape(params["status"]).replace("\n", "<br>") + "</p>",
                "language": params.get("language"),
                "visibility": params.get("visibility"),
                "account": self.account,
            }
            self.statuses.append(status)
            if key:
                self.keys[key] = status
            return 200, status
        return 404, {"error": "Record not found"}


def fake_jwt(did: str, scope: str) -> str:
    def part(obj: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).decode().rstrip("=")

    # Expires in 2100: the SDK checks expiry against the clock, which a test must never depend on.
    return f"{part({'alg': 'HS256', 'typ': 'JWT'})}.{part({'sub': did, 'scope': scope, 'exp': 4102444800})}.c2ln"


@dataclass
class FakeBluesky(FakeService):
    handle_name: str = "kowp.test"
    password: str = "bsky-app-pass-SECRET-5678"
    did: str = "did:plc:kowptest"
    records: dict[str, dict[str, Any]] = field(default_factory=dict)
    blobs: list[tuple[str, bytes]] = field(default_factory=list)

    def handle(self, request: Request) -> tuple[int, Any]:
        name = request.path.removeprefix("/xrpc/")
        if name == "com.atproto.server.createSession":
            body = request.json()
            if body.get("identifier") != self.handle_name or body.get("password") != self.password:
                echo = f" for {body.get('password')}" if self.echo_secrets else ""
                return 401, {"error": "AuthenticationRequired", "message": f"Invalid identifier or password{echo}"}
            return 200, {
                "did": self.did,
                "handle": self.handle_name,
                "accessJwt": fake_jwt(self.did, "com.atproto.access"),
                "refreshJwt": fake_jwt(self.did, "com.atproto.refresh"),
            }
        if request.headers.get("authorization") != f"Bearer {fake_jwt(self.did, 'com.atproto.access')}":
            return 401, {"error": "AuthenticationRequired", "message": "Authentication Required"}
        if name == "com.atproto.repo.uploadBlob":
            self.blobs.append((request.headers.get("content-type", ""), request.body))
            return 200, {
                "blob": {
                    "$type": "blob",
                    "ref": {"$link": "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku"},
                    "mimeType": request.headers.get("content-type"),
                    "size": len(request.body),
                }
            }
        if name == "com.atproto.repo.getRecord":
            rkey = request.query["rkey"][0]
            if rkey not in self.records:
                return 400, {"error": "RecordNotFound", "message": "Could not locate record"}
            return 200, {"uri": self.uri(rkey), "cid": "bafyreid", "value": self.records[rkey]}
        if name == "com.atproto.repo.createRecord":
            if self.fail:
                return self.fail, {"error": "InternalServerError", "message": "Internal Server Error"}
            body = request.json()
            rkey = body["rkey"]
            if rkey in self.records:
                return 400, {"error": "InvalidRequest", "message": "Record already exists"}
            self.records[rkey] = body["record"]
            return 200, {"uri": self.uri(rkey), "cid": "bafyreid"}
        return 404, {"error": "MethodNotImplemented"}

    def uri(self, rkey: str) -> str:
        return f"at://{self.did}/app.bsky.feed.post/{rkey}"


def emoji_bytes_length(text: str) -> int:
    """Threads' documented count, written independently of compose.py: emoji count their UTF-8 bytes."""
    emoji = ((0x1F000, 0x1FAFF), (0x2600, 0x27BF), (0x200D, 0x200D), (0xFE00, 0xFE0F), (0xE0020, 0xE007F))
    return sum(len(c.encode()) if any(lo <= ord(c) <= hi for lo, hi in emoji) else 1 for c in text)


@dataclass
class FakeThreads(FakeService):
    """The Threads Graph API under /v1.0, plus /refresh_access_token at the root.

    ``fail`` answers threads_publish with that status and publishes nothing; ``lost`` publishes the
    post and then answers with that status (the answer the run never saw); ``slow`` publishes and
    then waits that many seconds before answering (past the client's timeout); ``expired`` refuses the
    token with error 190 everywhere; ``issued_at`` is what debug_token reports.
    """

    token: str = "threads-token-SECRET-4321"
    new_token: str = "threads-token-REFRESHED-SECRET-8765"
    user_id: str = "17841400000000042"
    username: str = "kowp.news"
    lost: int | None = None
    slow: float = 0.0
    expired: bool = False
    issued_at: int | None = None
    posts: list[dict[str, Any]] = field(default_factory=list)
    containers: dict[str, dict[str, str]] = field(default_factory=dict)

    def _error(self, status: int, message: str, code: int, echo: str = "") -> tuple[int, Any]:
        if self.echo_secrets:
            message += f" (sent {echo})"
        return status, {"error": {"message": message, "type": "OAuthException", "code": code, "fbtrace_id": "AbC"}}

    def handle(self, request: Request) -> tuple[int, Any]:
        sent = request.headers.get("authorization", "")
        query = {k: v[0] for k, v in request.query.items()}
        if self.expired:
            echo = sent or query.get("access_token", "")
            return self._error(400, "Error validating access token: Session has expired.", 190, echo)
        if request.path == "/refresh_access_token":
            if query.get("grant_type") != "th_refresh_token" or query.get("access_token") != self.token:
                return self._error(400, "Invalid OAuth access token - Cannot parse access token", 190)
            return 200, {"access_token": self.new_token, "token_type": "bearer", "expires_in": 5183944}
        if sent != f"Bearer {self.token}":
            return self._error(400, "Invalid OAuth access token - Cannot parse access token", 190, sent)
        path = request.path.removeprefix("/v1.0")
        form = {k: v[0] for k, v in request.form().items()} if request.body else {}
        if path == "/me":
            return 200, {"id": self.user_id, "username": self.username}
        if path == "/debug_token":
            data: dict[str, Any] = {"type": "USER", "is_valid": True, "user_id": self.user_id}
            if self.issued_at is not None:
                data |= {"issued_at": self.issued_at, "expires_at": self.issued_at + 60 * 86400}
            return 200, {"data": data}
        if path == "/me/threads":
            fields = query.get("fields", "id").split(",")
            newest = list(reversed(self.posts))[: int(query.get("limit", "25"))]
            return 200, {"data": [{k: p[k] for k in fields if k in p} for p in newest], "paging": {}}
        if request.method == "POST" and path == f"/{self.user_id}/threads":
            if form.get("media_type") != "TEXT" or not form.get("text"):
                return self._error(400, "Param text is required", 100)
            if emoji_bytes_length(form["text"]) > 500:
                return self._error(400, "Param text must be at most 500 characters long.", 100)
            cid = str(9000 + len(self.containers) + 1)
            self.containers[cid] = form
            return 200, {"id": cid}
        if request.method == "POST" and path == f"/{self.user_id}/threads_publish":
            if self.fail:
                return self._error(self.fail, "An unknown error has occurred.", 1, sent)
            container = self.containers.get(form.get("creation_id", ""))
            if container is None or container.get("published"):
                return self._error(400, "The media container cannot be published", 24)
            container["published"] = "yes"
            n = len(self.posts) + 1
            self.posts.append(
                {
                    "id": str(18000000000000000 + n),
                    "permalink": f"https://www.threads.net/@{self.username}/post/KoWp{n}",
                    "text": container["text"],
                    "link_attachment_url": container.get("link_attachment", ""),
                    "timestamp": "2026-08-21T00:00:00+0000",
                    "media_type": "TEXT_POST",
                }
            )
            if self.lost:
                return self.lost, {"error": {"message": "Gateway Timeout", "code": 2}}
            time.sleep(self.slow)
            return 200, {"id": self.posts[-1]["id"]}
        for post in self.posts:
            if path == f"/{post['id']}":
                return 200, {"id": post["id"], "permalink": post["permalink"]}
        return self._error(404, "Unsupported get request.", 100)

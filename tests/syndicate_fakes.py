"""Fake Mastodon and Bluesky (XRPC) services on 127.0.0.1, run inside the test process.

Each records every request it receives and keeps what was posted, so tests can assert exactly what
reached the service. ``fail`` makes posting answer with that HTTP status; ``echo_secrets`` puts the
credentials the client sent into the error body, to prove clients scrub them.
"""

from __future__ import annotations

import base64
import html
import json
import threading
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

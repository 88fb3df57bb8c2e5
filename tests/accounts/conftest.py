"""Fixtures of the accounts tests: a real SMTP server, a fake OAuth provider speaking Kakao's and
Naver's protocols over real HTTP, verified residents and Korean/English clients."""

from __future__ import annotations

import email
import json
import logging
import re
import secrets
import socket
import threading
from dataclasses import dataclass, field
from email import policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

PASSWORD = "correct-horse-9"


@pytest.fixture(autouse=True)
def _fast_hashing(settings):
    """Hashing with PBKDF2 at full strength makes every login cost a third of a second."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def verified(db):
    """Marks a user's e-mail verified (mandatory before a password login)."""
    from allauth.account.models import EmailAddress

    def mark(user):
        EmailAddress.objects.update_or_create(
            user=user, email=user.email, defaults={"verified": True, "primary": True}
        )
        return user

    return mark


@pytest.fixture
def dongs(district, city):
    from sotong.org.models import Dong

    return {
        "충현동": Dong.objects.create(organization=district, name="충현동"),
        "신촌동": Dong.objects.create(organization=district, name="신촌동"),
        "시청동": Dong.objects.create(organization=city, name="시청동"),
    }


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- real SMTP server -----------------------------------------------------------------------


class Inbox:
    """Messages received by the SMTP server, parsed. Delivery is synchronous: Django's SMTP backend
    returns only after the server has answered the DATA command, i.e. after handle_DATA ran."""

    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd handler hook
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[email.message.EmailMessage]:
        return [m for m in self.messages if address in m["To"]]

    @staticmethod
    def text(message) -> str:
        return message.get_body(preferencelist=("plain",)).get_content()

    def link(self, message, path_pattern: str) -> str:
        """The path of the first link in the message whose path matches `path_pattern`."""
        for url in re.findall(r"https?://\S+", self.text(message)):
            path = urlsplit(url).path
            if re.search(path_pattern, path):
                return path
        raise AssertionError(f"no link matching {path_pattern!r} in:\n{self.text(message)}")


@pytest.fixture
def smtp_server(settings):
    from aiosmtpd.controller import Controller

    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs every command
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    try:
        yield inbox
    finally:
        controller.stop()


# --- fake OAuth provider --------------------------------------------------------------------


@dataclass
class FakeProvider:
    """A small OAuth 2.0 provider on 127.0.0.1 speaking the protocol of Kakao or Naver: an
    authorize endpoint that redirects back with code and state, a token endpoint that checks the
    code, client secret and redirect URI, and a user-info endpoint that checks the bearer token
    and answers with the provider's real JSON shape."""

    provider_id: str
    client_id: str
    secret: str
    profile: dict
    base_url: str = ""
    codes: dict[str, str] = field(default_factory=dict)  # code -> redirect_uri
    tokens: set[str] = field(default_factory=set)
    requests: list[tuple[str, str]] = field(default_factory=list)

    PATHS = {
        "kakao": ("/oauth/authorize", "/oauth/token", "/v2/user/me"),
        "naver": ("/oauth2.0/authorize", "/oauth2.0/token", "/v1/nid/me"),
    }

    @property
    def authorize_url(self) -> str:
        return self.base_url + self.PATHS[self.provider_id][0]

    @property
    def token_url(self) -> str:
        return self.base_url + self.PATHS[self.provider_id][1]

    @property
    def profile_url(self) -> str:
        return self.base_url + self.PATHS[self.provider_id][2]

    def user_info(self) -> dict:
        if self.provider_id == "naver":
            return {"resultcode": "00", "message": "success", "response": self.profile}
        return self.profile

    def authorize(self, url: str) -> str:
        """What the resident's browser does at the provider: opens the authorize URL (the
        resident agrees) and gets redirected back. Returns the callback URL."""
        import requests

        response = requests.get(url, allow_redirects=False, timeout=5)
        assert response.status_code == 302, response.text
        return response.headers["Location"]


def _handler(provider: FakeProvider):
    authorize_path, token_path, profile_path = FakeProvider.PATHS[provider.provider_id]

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format, *args):  # keep test output clean
            pass

        def _json(self, status: int, body: dict) -> None:
            data = json.dumps(body, ensure_ascii=False).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json;charset=UTF-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):
            url = urlsplit(self.path)
            provider.requests.append(("GET", url.path))
            query = {k: v[0] for k, v in parse_qs(url.query).items()}
            if url.path == authorize_path:
                if query.get("client_id") != provider.client_id:
                    return self._json(400, {"error": "invalid_client"})
                if query.get("response_type") != "code" or "state" not in query:
                    return self._json(400, {"error": "invalid_request"})
                code = secrets.token_urlsafe(16)
                provider.codes[code] = query["redirect_uri"]
                target = (
                    query["redirect_uri"] + "?" + urlencode({"code": code, "state": query["state"]})
                )
                self.send_response(302)
                self.send_header("Location", target)
                self.end_headers()
                return None
            if url.path == profile_path:
                token = self.headers.get("Authorization", "").removeprefix("Bearer ")
                if token not in provider.tokens:
                    return self._json(
                        401, {"msg": "this access token does not exist", "code": -401}
                    )
                return self._json(200, provider.user_info())
            return self._json(404, {"error": "not_found"})

        def do_POST(self):
            url = urlsplit(self.path)
            provider.requests.append(("POST", url.path))
            length = int(self.headers.get("Content-Length", "0"))
            form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
            if url.path != token_path:
                return self._json(404, {"error": "not_found"})
            redirect_uri = provider.codes.pop(form.get("code", ""), None)
            if (
                form.get("grant_type") != "authorization_code"
                or form.get("client_id") != provider.client_id
                or form.get("client_secret") != provider.secret
                or redirect_uri is None
                or redirect_uri != form.get("redirect_uri")
            ):
                return self._json(400, {"error": "invalid_grant"})
            token = secrets.token_urlsafe(24)
            provider.tokens.add(token)
            return self._json(
                200,
                {
                    "token_type": "bearer",
                    "access_token": token,
                    "expires_in": 21599,
                    "refresh_token": secrets.token_urlsafe(24),
                },
            )

    return Handler


@pytest.fixture
def fake_provider(settings, monkeypatch):
    """Starts a fake provider for `provider_id` with the given user-info `profile`, switches the
    provider on in settings and points allauth's real adapter class at it."""
    servers = []

    def start(provider_id: str, profile: dict) -> FakeProvider:
        from allauth.socialaccount.providers.kakao.views import KakaoOAuth2Adapter
        from allauth.socialaccount.providers.naver.views import NaverOAuth2Adapter

        adapter = {"kakao": KakaoOAuth2Adapter, "naver": NaverOAuth2Adapter}[provider_id]
        provider = FakeProvider(provider_id, f"{provider_id}-client", "s3cret", profile)
        server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(provider))
        provider.base_url = f"http://127.0.0.1:{server.server_address[1]}"
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        servers.append(server)
        settings.SOCIALACCOUNT_PROVIDERS = {
            **settings.SOCIALACCOUNT_PROVIDERS,
            provider_id: {
                "APPS": [{"client_id": provider.client_id, "secret": provider.secret, "key": ""}]
            },
        }
        # allauth has no setting for these providers' endpoints: they are class attributes.
        monkeypatch.setattr(adapter, "authorize_url", provider.authorize_url)
        monkeypatch.setattr(adapter, "access_token_url", provider.token_url)
        monkeypatch.setattr(adapter, "profile_url", provider.profile_url)
        return provider

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()

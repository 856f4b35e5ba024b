"""A fake Twilio REST API (Messages.json, Calls.json with Basic auth, Twilio's error shape and codes), and
the phone side: an SMS reply and a keypress posted to warroom's webhooks, signed as Twilio signs them
(X-Twilio-Signature: HMAC-SHA1 of the URL and the sorted form, keyed with the auth token)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import urllib.parse
import urllib.request
from dataclasses import dataclass
from xml.etree import ElementTree

from aiohttp import web

from tests.fakes.server import FakeServer

_E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")


def twilio_signature(token: str, url: str, params: dict[str, str]) -> str:
    text = url + "".join(name + params[name] for name in sorted(params))
    return base64.b64encode(hmac.new(token.encode(), text.encode(), hashlib.sha1).digest()).decode()


@dataclass
class Sms:
    sid: str
    to: str
    sender: str
    body: str


@dataclass
class Call:
    sid: str
    to: str
    sender: str
    twiml: str

    @property
    def gather_action(self) -> str:
        gather = ElementTree.fromstring(self.twiml).find("Gather")
        assert gather is not None, self.twiml
        return gather.attrib["action"]

    @property
    def said(self) -> str:
        return " ".join(e.text or "" for e in ElementTree.fromstring(self.twiml).iter("Say"))


class FakeTwilio(FakeServer):
    def __init__(self, account_sid: str, auth_token: str, numbers: set[str]) -> None:
        super().__init__()
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.numbers = numbers            # the account's own numbers (From)
        self.sms: list[Sms] = []
        self.calls: list[Call] = []

    def routes(self) -> list[web.RouteDef]:
        base = "/2010-04-01/Accounts/{sid}"
        return [web.post(base + "/Messages.json", self.create_message), web.post(base + "/Calls.json", self.create_call)]

    def error_body(self, status: int) -> dict:
        return {"code": 20500, "message": "An internal server error has occurred", "more_info":
                "https://www.twilio.com/docs/errors/20500", "status": status}

    @staticmethod
    def _error(status: int, code: int, message: str) -> web.Response:
        return web.json_response({"code": code, "message": message, "more_info": f"https://www.twilio.com/docs/errors/{code}",
                                  "status": status}, status=status)

    def _check(self, request: web.Request, form) -> web.Response | None:
        expected = "Basic " + base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        if request.headers.get("Authorization") != expected or request.match_info["sid"] != self.account_sid:
            return self._error(401, 20003, "Authenticate")
        if not _E164.match(str(form.get("To") or "")):
            return self._error(400, 21211, f"The 'To' number {form.get('To')} is not a valid phone number.")
        if form.get("From") not in self.numbers:
            return self._error(400, 21606, "The From phone number is not a valid, SMS-capable inbound phone number "
                                           "or short code for your account.")
        return None

    async def create_message(self, request: web.Request) -> web.StreamResponse:
        form = await request.post()
        refused = self._check(request, form)
        if refused:
            return refused
        if not form.get("Body"):
            return self._error(400, 21602, "Message body is required.")
        sms = Sms("SM" + secrets.token_hex(16), str(form["To"]), str(form["From"]), str(form["Body"]))
        self.sms.append(sms)
        return web.json_response({"sid": sms.sid, "account_sid": self.account_sid, "from": sms.sender, "to": sms.to,
                                  "body": sms.body, "status": "queued", "direction": "outbound-api",
                                  "num_segments": "1", "num_media": "0", "price": None, "error_code": None,
                                  "error_message": None, "messaging_service_sid": None,
                                  "uri": f"/2010-04-01/Accounts/{self.account_sid}/Messages/{sms.sid}.json"}, status=201)

    async def create_call(self, request: web.Request) -> web.StreamResponse:
        form = await request.post()
        refused = self._check(request, form)
        if refused:
            return refused
        if not (form.get("Twiml") or form.get("Url") or form.get("ApplicationSid")):
            return self._error(400, 21205, "Url parameter is required.")
        call = Call("CA" + secrets.token_hex(16), str(form["To"]), str(form["From"]), str(form.get("Twiml") or ""))
        self.calls.append(call)
        return web.json_response({"sid": call.sid, "account_sid": self.account_sid, "from": call.sender, "to": call.to,
                                  "status": "queued", "direction": "outbound-api", "duration": None}, status=201)

    # the phone's side --------------------------------------------------------------------------
    def post_signed(self, url: str, params: dict[str, str], *, token: str | None = None) -> tuple[int, str]:
        """Post ``params`` to warroom as Twilio does (signed with ``token``, default the real one)."""
        signature = twilio_signature(token or self.auth_token, url, params)
        request = urllib.request.Request(url, data=urllib.parse.urlencode(params).encode(), method="POST",
                                         headers={"X-Twilio-Signature": signature,
                                                  "Content-Type": "application/x-www-form-urlencoded",
                                                  "User-Agent": "TwilioProxy/1.1"})
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        try:
            with opener.open(request, timeout=15) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode()

    def reply_sms(self, webhook_url: str, sender: str, body: str, *, token: str | None = None) -> tuple[int, str]:
        """A person texts back: the inbound-message webhook warroom's number points at."""
        to = sorted(self.numbers)[0]
        return self.post_signed(webhook_url, {
            "MessageSid": "SM" + secrets.token_hex(16), "SmsSid": "SM" + secrets.token_hex(16),
            "SmsMessageSid": "SM" + secrets.token_hex(16), "AccountSid": self.account_sid, "From": sender, "To": to,
            "Body": body, "NumMedia": "0", "NumSegments": "1", "SmsStatus": "received", "ApiVersion": "2010-04-01",
            "FromCountry": "US", "ToCountry": "US"}, token=token)

    def press(self, call: Call, digits: str, *, token: str | None = None) -> tuple[int, str]:
        """The person answering ``call`` presses ``digits``: <Gather> posts them to its action."""
        return self.post_signed(call.gather_action, {
            "AccountSid": self.account_sid, "CallSid": call.sid, "From": call.sender, "To": call.to,
            "CallStatus": "in-progress", "Direction": "outbound-api", "ApiVersion": "2010-04-01",
            "Digits": digits, "FinishedOnKey": ""}, token=token)

"""A bare SIP caller over one UDP socket, for requests no softphone or SIPp scenario makes easily:
an INVITE with Replaces naming a live dialog whose tags only the answer tells.

It speaks just enough RFC 3261 for one dialog on loopback: INVITE, ACK, in-dialog requests by
method, and reading the final answer to each; RTP is offered on a port nobody listens to.
"""

from __future__ import annotations

import re
import socket
import uuid
from dataclasses import dataclass

SDP = (
    "v=0\r\no=raw 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
    "m=audio 9 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n"
)


@dataclass(frozen=True)
class Answer:
    code: int
    to_tag: str
    text: str


class RawUac:
    """One UDP socket on 127.0.0.1 talking to target_port; every request is a new transaction."""

    def __init__(self, target_port: int, user: str = "4715") -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(5)
        self.port = self.sock.getsockname()[1]
        self.target = f"sip:tandem@127.0.0.1:{target_port}"
        self.target_port = target_port
        self.user = user
        self.call_id = f"raw-{uuid.uuid4().hex}"
        self.from_tag = uuid.uuid4().hex[:10]
        self.to_tag = ""
        self.cseq = 0

    def close(self) -> None:
        self.sock.close()

    def request(
        self, method: str, *headers: str, body: str = "", call_id: str = "", to_tag: str = ""
    ) -> Answer:
        """Send a request and return the first final answer (provisional ones are skipped)."""
        self.cseq += 1
        branch = f"z9hG4bK{uuid.uuid4().hex[:16]}"
        to_tag = to_tag if call_id else self.to_tag
        lines = [
            f"{method} {self.target} SIP/2.0",
            f"Via: SIP/2.0/UDP 127.0.0.1:{self.port};rport;branch={branch}",
            f'From: "Raw" <sip:{self.user}@127.0.0.1:{self.port}>;tag={self.from_tag}',
            f"To: <{self.target}>" + (f";tag={to_tag}" if to_tag else ""),
            f"Call-ID: {call_id or self.call_id}",
            f"CSeq: {self.cseq} {method}",
            f"Contact: <sip:{self.user}@127.0.0.1:{self.port}>",
            "Max-Forwards: 70",
            *headers,
        ]
        if body:
            lines.append("Content-Type: application/sdp")
        lines.append(f"Content-Length: {len(body.encode())}")
        self.sock.sendto(("\r\n".join(lines) + "\r\n\r\n" + body).encode(), ("127.0.0.1", self.target_port))
        answer = self._final(method)
        if method == "INVITE" and answer.code >= 300:  # RFC 3261 17.1.1.3: ACK a failure on its branch
            self._send_ack(branch, call_id or self.call_id, answer.to_tag)
        return answer

    def invite(self) -> Answer:
        """Call, and ACK the 2xx: the dialog is then confirmed."""
        answer = self.request("INVITE", body=SDP)
        if answer.code == 200:
            self.to_tag = answer.to_tag
            self.ack()
        return answer

    def ack(self) -> None:
        self._send_ack(f"z9hG4bK{uuid.uuid4().hex[:16]}", self.call_id, self.to_tag)

    def _send_ack(self, branch: str, call_id: str, to_tag: str) -> None:
        lines = [
            f"ACK {self.target} SIP/2.0",
            f"Via: SIP/2.0/UDP 127.0.0.1:{self.port};rport;branch={branch}",
            f"From: <sip:{self.user}@127.0.0.1:{self.port}>;tag={self.from_tag}",
            f"To: <{self.target}>;tag={to_tag}",
            f"Call-ID: {call_id}",
            f"CSeq: {self.cseq} ACK",
            "Max-Forwards: 70",
            "Content-Length: 0",
        ]
        self.sock.sendto(("\r\n".join(lines) + "\r\n\r\n").encode(), ("127.0.0.1", self.target_port))

    def _final(self, method: str) -> Answer:
        while True:
            text = self.sock.recv(65535).decode(errors="replace")
            cseq = re.search(r"^CSeq:\s*(\d+)\s+(\w+)", text, re.MULTILINE | re.IGNORECASE)
            if not text.startswith("SIP/2.0 ") or not cseq or cseq.groups() != (str(self.cseq), method):
                continue  # a request from the peer, or an answer to an earlier request
            code = int(text.split(" ", 2)[1])
            if code >= 200:
                tag = re.search(r"^To:.*?;tag=([^;\s>]+)", text, re.MULTILINE | re.IGNORECASE)
                return Answer(code, tag.group(1) if tag else "", text)

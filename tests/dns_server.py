"""A DNS server for tests, on a loopback address: answers A and TXT queries from a table
(dnspython for the wire format), NXDOMAIN for any other name."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import dns.flags
import dns.message
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.rrset


class DnsServer:
    def __init__(
        self, records: dict[tuple[str, str], list[str]], host: str = "127.0.0.1", port: int = 0
    ):
        self.records = {(name.lower().rstrip("."), kind): v for (name, kind), v in records.items()}
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((host, port))
        self.host, self.port = self.sock.getsockname()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._stopping = False

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    def _answer(self, wire: bytes) -> bytes:
        query = dns.message.from_wire(wire)
        reply = dns.message.make_response(query)
        reply.flags |= dns.flags.AA
        [question] = query.question
        name = question.name.to_text().lower().rstrip(".")
        kind = dns.rdatatype.to_text(question.rdtype)
        values = self.records.get((name, kind))
        if values is None:
            if not any(n == name for n, _k in self.records):
                reply.set_rcode(dns.rcode.NXDOMAIN)
            return reply.to_wire()
        texts = [
            " ".join(f'"{v[i : i + 250]}"' for i in range(0, len(v), 250)) if kind == "TXT" else v
            for v in values
        ]
        reply.answer.append(
            dns.rrset.from_text_list(question.name, 300, dns.rdataclass.IN, kind, texts)
        )
        return reply.to_wire()

    def _serve(self) -> None:
        while not self._stopping:
            try:
                wire, peer = self.sock.recvfrom(4096)
            except OSError:
                return
            try:
                self.sock.sendto(self._answer(wire), peer)
            except Exception:  # a query it cannot read: no answer, as a real server might
                continue

    def start(self) -> DnsServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and free the port (the thread is woken first: a socket closed while
        a thread waits in recvfrom stays bound until that call returns)."""
        self._stopping = True
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as poke:
            poke.sendto(b"", (self.host, self.port))
        self._thread.join(timeout=5)
        self.sock.close()


@contextmanager
def dns_server(
    records: dict[tuple[str, str], list[str]], host: str = "127.0.0.1", port: int = 0
) -> Iterator[DnsServer]:
    server = DnsServer(records, host, port).start()
    try:
        yield server
    finally:
        server.stop()

"""A real SMTP server (aiosmtpd) for Paperboy's mail and digest tests (the one SMTP test peer).

    smtp_peer.py OUTDIR [--starttls CERT KEY | --implicit-tls CERT KEY] [--auth USER:PASS [--exclude-auth PLAIN]]
                        [--script "RCPT:451,RCPT:250"] [--data-replies 451,250] [--delay 0.2]

Listens on 127.0.0.1 on a free port and prints that port on stdout (one line). Every accepted message is
saved as OUTDIR/NNNN.json: envelope, raw content as received after the DATA transparency (dot-stuffing)
was undone, whether the session was TLS and who authenticated; and as OUTDIR/NNNN.eml: an `X-Peer-Rcpt`
header with the envelope recipients, then the raw content. Every DATA answered is logged to
OUTDIR/attempts.log as "<reply> <recipients>". Runs until stdin closes or SIGTERM, so it goes away with the
test process that started it.

--script lists replies for MAIL, RCPT or DATA, consumed in order per command: "RCPT:451,RCPT:250" makes the
first RCPT fail with 451 and the second succeed; a 2xx entry (or no entry left) means normal handling.
--data-replies gives each DATA the next reply of the list, the last one repeating ("451" fails every DATA).
--delay: an accepted message is kept only if the client is still connected after that many seconds, like a
server that commits a message when it answers 250.
"""

import argparse
import asyncio
import json
import os
import signal
import socket
import ssl
import sys
import threading

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

REPLIES = {
    "421": "421 4.3.2 Service shutting down (scripted)",
    "450": "450 4.2.1 Mailbox unavailable (scripted)",
    "451": "451 4.3.0 Temporary local problem, try again later (scripted)",
    "452": "452 4.3.1 Insufficient system storage (scripted)",
    "550": "550 5.1.1 No such user here (scripted)",
    "552": "552 5.3.4 Message too big (scripted)",
    "554": "554 5.7.1 Transaction failed (scripted)",
}


class Handler:
    def __init__(self, outdir, script, data_replies, delay):
        self.outdir = outdir
        self.script = script
        self.data_replies = data_replies
        self.delay = delay
        self.count = 0
        self.data_count = 0
        self.lock = threading.Lock()

    def scripted(self, command):
        queue = self.script.get(command, [])
        if not queue:
            return None
        code = queue.pop(0)
        if code.startswith("2"):
            return None
        return REPLIES.get(code, f"{code} Scripted reply")

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        reply = self.scripted("MAIL")
        if reply:
            return reply
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        reply = self.scripted("RCPT")
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 OK"

    def data_reply(self):
        if not self.data_replies:
            return None
        code = self.data_replies[min(self.data_count, len(self.data_replies) - 1)]
        self.data_count += 1
        if code.startswith("2"):
            return None
        return REPLIES.get(code, f"{code} Scripted reply")

    def log_attempt(self, reply, envelope):
        with open(os.path.join(self.outdir, "attempts.log"), "a", encoding="utf-8") as log:
            log.write(f"{reply.split(' ')[0]} {','.join(envelope.rcpt_tos)}\n")

    async def handle_DATA(self, server, session, envelope):
        reply = self.scripted("DATA") or self.data_reply()
        if reply:
            self.log_attempt(reply, envelope)
            return reply
        self.log_attempt("250", envelope)
        if self.delay:
            await asyncio.sleep(self.delay)
            transport = getattr(server, "transport", None)
            if transport is not None and transport.is_closing():
                return "421 connection lost"
        with self.lock:
            self.count += 1
            number = self.count
        record = {
            "mail_from": envelope.mail_from,
            "mail_options": envelope.mail_options,
            "rcpt_tos": envelope.rcpt_tos,
            "content": envelope.original_content.decode("utf-8", errors="replace"),
            "tls": session.ssl is not None or server.transport.get_extra_info("sslcontext") is not None,
            "authenticated": bool(session.authenticated),
            "auth_login": getattr(session, "paperboy_login", None),
            "auth_mechanism": getattr(session, "paperboy_mechanism", None),
            "helo": session.host_name,
        }
        path = os.path.join(self.outdir, f"{number:04d}.json")
        with open(path + ".tmp", "w", encoding="utf-8") as f:
            json.dump(record, f)
        os.replace(path + ".tmp", path)
        raw = os.path.join(self.outdir, f"{number:04d}.eml")
        with open(raw + ".tmp", "wb") as f:
            f.write(f"X-Peer-Rcpt: {','.join(envelope.rcpt_tos)}\r\n".encode())
            f.write(envelope.original_content or envelope.content)
        os.replace(raw + ".tmp", raw)
        return "250 2.0.0 Message accepted for delivery"


def make_authenticator(user, password):
    def authenticator(server, session, envelope, mechanism, auth_data):
        login = auth_data.login.decode("utf-8")
        ok = login == user and auth_data.password.decode("utf-8") == password
        if ok:
            session.paperboy_login = login
            session.paperboy_mechanism = mechanism
        # handled=False: aiosmtpd itself answers 535 on failure.
        return AuthResult(success=ok, handled=False)

    return authenticator


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    # A parent that runs on libdispatch threads may hand down a signal mask with SIGTERM blocked.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})
    parser = argparse.ArgumentParser()
    parser.add_argument("outdir")
    parser.add_argument("--starttls", nargs=2, metavar=("CERT", "KEY"))
    parser.add_argument("--implicit-tls", nargs=2, metavar=("CERT", "KEY"), help="TLS from the first byte (smtps)")
    parser.add_argument("--auth", metavar="USER:PASS")
    parser.add_argument("--script", default="")
    parser.add_argument("--exclude-auth", action="append", default=[], metavar="MECHANISM")
    parser.add_argument("--data-replies", default="")
    parser.add_argument("--delay", type=float, default=0)
    args = parser.parse_args()

    script = {}
    for entry in filter(None, args.script.split(",")):
        command, code = entry.split(":")
        script.setdefault(command.strip().upper(), []).append(code.strip())

    kwargs = {}
    if args.starttls:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(*args.starttls)
        kwargs.update(tls_context=context, require_starttls=True)
    if args.implicit_tls:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(*args.implicit_tls)
        kwargs.update(ssl_context=context)
    if args.auth:
        user, password = args.auth.split(":", 1)
        kwargs.update(
            authenticator=make_authenticator(user, password),
            auth_required=True,
            # aiosmtpd only counts STARTTLS as TLS; with --implicit-tls every byte is encrypted anyway, and
            # without either the test talks plaintext over loopback, which Paperboy allows.
            auth_require_tls=bool(args.starttls),
            auth_exclude_mechanism=args.exclude_auth,
        )

    os.makedirs(args.outdir, exist_ok=True)
    # server_hostname: without it aiosmtpd calls socket.getfqdn() for every connection, which can wait on DNS
    # timeouts for longer than the client's reply timeout.
    # timeout: aiosmtpd drops a connection idle for 300 s. The Swift tests share two cooperative threads with
    # suites that run minutes of synchronous work, so a client can sit between a reply and its next command for
    # that long; the connection must outlive that starvation, which a real client on its own machine never sees.
    controller = Controller(
        Handler(args.outdir, script, [c.strip() for c in args.data_replies.split(",") if c.strip()], args.delay),
        hostname="127.0.0.1", port=free_port(), server_hostname="peer.paperboy.test", timeout=3600, **kwargs)
    controller.start()
    print(controller.port, flush=True)

    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    threading.Thread(target=lambda: (sys.stdin.read(), done.set()), daemon=True).start()
    done.wait()
    controller.stop()


if __name__ == "__main__":
    main()

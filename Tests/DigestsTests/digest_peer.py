"""A real SMTP server (aiosmtpd) for Paperboy's digest tests, with scripted replies.

    python digest_peer.py --out DIR [--replies 451,250] [--delay 0.2]

Prints "READY <port>" when it listens on 127.0.0.1. Each DATA gets the next reply of --replies (the last one
repeats); an accepted message is written to DIR/<n>.eml only if the client is still connected after --delay
seconds, like a server that commits a message when it answers 250.
"""
import argparse
import asyncio
import os
import socket
import sys
import time

from aiosmtpd.controller import Controller


class Handler:
    def __init__(self, out, replies, delay):
        self.out = out
        self.replies = replies
        self.delay = delay
        self.count = 0
        self.accepted = 0

    async def handle_DATA(self, server, session, envelope):
        reply = self.replies[min(self.count, len(self.replies) - 1)]
        self.count += 1
        with open(os.path.join(self.out, "attempts.log"), "a") as log:
            log.write(f"{reply} {','.join(envelope.rcpt_tos)}\n")
        if not reply.startswith("250"):
            return reply
        if self.delay:
            await asyncio.sleep(self.delay)
        transport = getattr(server, "transport", None)
        if transport is not None and transport.is_closing():
            return "421 connection lost"
        self.accepted += 1
        path = os.path.join(self.out, f"{time.time_ns()}-{self.accepted}.eml")
        with open(path + ".tmp", "wb") as f:
            f.write(f"X-Peer-Rcpt: {','.join(envelope.rcpt_tos)}\r\n".encode())
            f.write(envelope.original_content or envelope.content)
        os.rename(path + ".tmp", path)
        return "250 Message accepted for delivery"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", required=True)
    parser.add_argument("--replies", default="250")
    parser.add_argument("--delay", type=float, default=0)
    args = parser.parse_args()
    replies = []
    for code in args.replies.split(","):
        code = code.strip()
        replies.append({
            "250": "250",
            "451": "451 4.7.1 Try again later",
            "550": "550 5.1.1 No such user",
            "421": "421 4.3.2 Service not available",
        }.get(code, code))
    os.makedirs(args.out, exist_ok=True)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    # server_hostname: without it aiosmtpd calls socket.getfqdn() for every connection (DNS timeouts).
    controller = Controller(
        Handler(args.out, replies, args.delay), hostname="127.0.0.1", port=port, server_hostname="peer.paperboy.test")
    controller.start()
    print(f"READY {port}", flush=True)
    try:
        sys.stdin.read()  # runs until the test closes stdin (or kills us)
    finally:
        controller.stop()


if __name__ == "__main__":
    main()

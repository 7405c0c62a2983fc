#!/usr/bin/python3
"""Local SMTP sink: accepts every message on 127.0.0.1:PORT and writes it to DIR as one .eml file.

Usage: mail-sink.py PORT DIR
The file name ends with the (sanitised) first recipient, so a reader finds the mail to one address
without opening every file; each file appears atomically (written to a temporary name, then renamed).
Run with Debian's /usr/bin/python3 (python3-aiosmtpd); nothing is relayed anywhere.
"""
import asyncio
import os
import re
import sys
import time

from aiosmtpd.smtp import SMTP


class WriteToDirectory:
    def __init__(self, directory):
        self.directory = directory
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        recipient = re.sub(r"[^A-Za-z0-9@._+-]", "_", (envelope.rcpt_tos or ["unknown"])[0].lower())
        name = f"{time.time_ns()}-{self.count:06d}--{recipient}.eml"
        temporary = os.path.join(self.directory, "." + name + ".tmp")
        with open(temporary, "wb") as f:
            f.write(envelope.original_content or envelope.content)
        os.rename(temporary, os.path.join(self.directory, name))
        return "250 Message accepted for delivery"


async def main(port, directory):
    os.makedirs(directory, exist_ok=True)
    handler = WriteToDirectory(directory)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: SMTP(handler, hostname="enclave-mail-sink"), host="127.0.0.1", port=port)
    print(f"mail sink on 127.0.0.1:{port} writing to {directory}", flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]), sys.argv[2]))

"""A loopback SMTP server for the notification tests (Debian's python3-aiosmtpd).

Writes each accepted message as <n>.eml into the folder given as the first argument. Requires AUTH (PLAIN or
LOGIN) with the user and password in WF_SMTP_USER / WF_SMTP_PASSWORD, offers STARTTLS with the certificate and key
in WF_SMTP_CERT / WF_SMTP_KEY, and allows AUTH without TLS too (loopback only), so both can be tested.
"""
import asyncio
import itertools
import os
import ssl
import sys

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

folder, port = sys.argv[1], int(sys.argv[2])
user = os.environ["WF_SMTP_USER"].encode()
password = os.environ["WF_SMTP_PASSWORD"].encode()
counter = itertools.count(1)


class Store:
    async def handle_DATA(self, server, session, envelope):
        n = next(counter)
        tmp = os.path.join(folder, f".{n}.eml.tmp")
        with open(tmp, "wb") as f:
            f.write(envelope.original_content or envelope.content)
        os.replace(tmp, os.path.join(folder, f"{n}.eml"))  # readers never see half a message
        return "250 Message accepted for delivery"


def authenticate(server, session, envelope, mechanism, auth_data):
    ok = isinstance(auth_data, LoginPassword) and auth_data.login == user and auth_data.password == password
    return AuthResult(success=ok, handled=False)


context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
context.load_cert_chain(os.environ["WF_SMTP_CERT"], os.environ["WF_SMTP_KEY"])
controller = Controller(
    Store(), hostname="127.0.0.1", port=port, tls_context=context,
    authenticator=authenticate, auth_required=True, auth_require_tls=False)
controller.start()
print(f"smtp: listening on 127.0.0.1:{port}", flush=True)
try:
    asyncio.get_event_loop().run_forever()
except KeyboardInterrupt:
    pass
finally:
    controller.stop()

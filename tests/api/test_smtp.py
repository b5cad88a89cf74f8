"""Mail over SMTP when notifications.smtp_url is set: one confirmation per paid order."""

import socketserver
import threading
import time
import unittest

from harness import Server, uniq
from test_payments import GOOD, SECRET, Paygw


class SmtpSink(socketserver.ThreadingTCPServer):
    """A minimal SMTP server that keeps every message it receives."""

    allow_reuse_address = True
    daemon_threads = True

    def __init__(self):
        self.messages = []
        super().__init__(("127.0.0.1", 0), SmtpHandler)


class SmtpHandler(socketserver.StreamRequestHandler):
    def reply(self, line):
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self):
        self.reply("220 sink ESMTP")
        recipients = []
        while True:
            line = self.rfile.readline()
            if not line:
                return
            command = line.decode("utf-8", "replace").strip()
            verb = command.split(" ")[0].upper()
            if verb in ("EHLO", "HELO"):
                self.reply("250 sink")
            elif verb == "MAIL":
                recipients = []
                self.reply("250 OK")
            elif verb == "RCPT":
                recipients.append(command.split(":", 1)[1].strip().strip("<>"))
                self.reply("250 OK")
            elif verb == "DATA":
                self.reply("354 go ahead")
                data = b""
                while not data.endswith(b"\r\n.\r\n"):
                    chunk = self.rfile.readline()
                    if not chunk:
                        return
                    data += chunk
                self.server.messages.append((recipients, data.decode("utf-8", "replace")))
                self.reply("250 queued")
            elif verb == "QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("250 OK")


class SmtpTest(unittest.TestCase):
    def test_paid_order_sends_one_confirmation_over_smtp(self):
        sink = SmtpSink()
        threading.Thread(target=sink.serve_forever, daemon=True).start()
        paygw = Paygw()
        try:
            env = {"EMPORIUM_PAYMENTS_PROVIDER_URL": paygw.url, "EMPORIUM_PAYMENTS_WEBHOOK_SECRET": SECRET,
                   "EMPORIUM_NOTIFICATIONS_SMTP_URL": f"smtp://127.0.0.1:{sink.server_address[1]}"}
            with Server(env=env) as server:
                admin = server.make_admin()
                sku = server.stocked_sku(admin, 2)
                email = f"smtp-{uniq()}@example.com"
                server.signup(email)
                token = server.login(email)
                server.json("POST", "/api/v1/cart/items", {"sku": sku, "quantity": 1}, token=token)
                _, _, order = server.json("POST", "/api/v1/orders", {}, token=token)
                status, _, payment = server.json("POST", f"/api/v1/orders/{order['id']}/payment", {"card": GOOD},
                                                 token=token)
                self.assertEqual(status, 200, payment)
                deadline = time.monotonic() + 10
                while time.monotonic() < deadline and not sink.messages:
                    time.sleep(0.1)
                time.sleep(0.5)  # a duplicate would arrive by now
                self.assertEqual(len(sink.messages), 1, sink.messages)
                recipients, text = sink.messages[0]
                self.assertEqual(recipients, [email])
                self.assertIn("is confirmed", text)
                self.assertIn(order["id"], text)
        finally:
            paygw.stop()
            sink.shutdown()


if __name__ == "__main__":
    unittest.main()

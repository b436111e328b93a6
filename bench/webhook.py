"""Webhook benchmark: wrk posts valid updates to ``newsbot run --mode webhook``; accepted rate, p99, handled rate.

    apt-get install wrk     # Debian's package
    python bench/webhook.py [--seconds 10] [--connections 32] [--chats 1000]

Three processes on one machine: the Bot API emulator (limits off), the bot (webhook mode, pacing and flood
control raised so every update is answered), and wrk posting ``/help`` messages with unique update_ids.
Reports wrk's accepted requests/s, latency percentiles and errors, then the end-to-end rate of updates fully
handled (the reply accepted by the emulator), from the first update to the last reply.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "123456:BENCH-token-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
FIRST_CHAT = 8_000_000


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def get_json(url: str) -> dict[str, object]:
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.loads(response.read())  # type: ignore[no-any-return]


def post_json(url: str, payload: object) -> None:
    request = urllib.request.Request(
        url, data=json.dumps(payload).encode(), headers={"Content-Type": "application/json"}
    )
    urllib.request.urlopen(request, timeout=10).close()


def wait_until(check: object, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():  # type: ignore[operator]
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise SystemExit("timed out waiting for the services")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--chats", type=int, default=1000)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: apt-get install wrk")
    emulator_port, bot_port = free_port(), free_port()
    emulator_url = f"http://127.0.0.1:{emulator_port}"
    webhook = f"http://127.0.0.1:{bot_port}/telegram"
    with tempfile.TemporaryDirectory(prefix="newsbot-webhook-") as tmp:
        (Path(tmp) / "content").mkdir()
        environment = {
            **os.environ,
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_API_URL": emulator_url,
            "DATABASE_URL": f"sqlite:///{tmp}/bot.db",
            "CONTENT_DIR": f"{tmp}/content",
            "HOST": "127.0.0.1",
            "PORT": str(bot_port),
            "WEBHOOK_URL": webhook,
            "WEBHOOK_MAX_PENDING": "100000",
            "FLOOD_COMMANDS_PER_MINUTE": "1000000",
            "SEND_GLOBAL_PER_SECOND": "1000000",
            "PUSH_RATE": "1000",
            "SEND_CHAT_PER_SECOND": "1000000",
            "SEND_CHAT_BURST": "1000000",
            "LOG_LEVEL": "WARNING",
        }
        emulator = subprocess.Popen(
            [sys.executable, "-m", "bot", "emulator", "--port", str(emulator_port), "--no-limits"],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        bot = None
        try:
            wait_until(lambda: get_json(f"{emulator_url}/_emulator/stats"), 30)
            for chat in range(FIRST_CHAT, FIRST_CHAT + args.chats):
                post_json(f"{emulator_url}/_emulator/chats", {"chat_id": chat})
            bot = subprocess.Popen([sys.executable, "-m", "bot", "run"], cwd=ROOT, env=environment)
            wait_until(lambda: get_json(f"http://127.0.0.1:{bot_port}/healthz"), 30)
            secret = subprocess.run(
                [
                    sys.executable,
                    "-c",
                    f"from bot.web import derive_webhook_secret; print(derive_webhook_secret({TOKEN!r}))",
                ],
                cwd=ROOT,
                capture_output=True,
                text=True,
                check=True,
            ).stdout.strip()
            started = time.monotonic()
            result = subprocess.run(
                [
                    "wrk",
                    "-t2",
                    f"-c{args.connections}",
                    f"-d{args.seconds}s",
                    "--latency",
                    "-s",
                    str(ROOT / "bench" / "webhook.lua"),
                    webhook,
                ],
                env={**os.environ, "SECRET": secret, "CHATS": str(args.chats), "FIRST_CHAT": str(FIRST_CHAT)},
                capture_output=True,
                text=True,
                check=True,
            )
            accepted = 0
            for line in result.stdout.splitlines():
                if "requests in" in line:
                    accepted = int(line.split()[0])
            # Every accepted /help is answered with one message: wait for the replies to drain.

            def replies() -> int:
                stats = get_json(f"{emulator_url}/_emulator/stats")["result"]
                return int(stats["sent_messages"])  # type: ignore[index]

            wait_until(lambda: replies() >= accepted, 300)
            handled_seconds = time.monotonic() - started
        finally:
            if bot is not None:
                bot.terminate()
                bot.wait(timeout=60)
            emulator.terminate()
            emulator.wait(timeout=10)
    print(result.stdout)
    print(f"updates accepted by the webhook   {accepted}")
    print(
        f"fully handled (reply accepted)    {accepted} in {handled_seconds:.1f} s "
        f"= {accepted / handled_seconds:.0f} updates/s end to end"
    )


if __name__ == "__main__":
    main()

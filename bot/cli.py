"""``warroom``: run | sandbox | doctor | manifest | db."""

from __future__ import annotations

import argparse
import asyncio
import gc
import importlib.metadata
import signal
import sys
from pathlib import Path

from bot.config import ConfigError, EnvironmentError_, load_config, load_environment
from bot.db_cli import add_db_commands, run_db_command
from bot.login_link_cli import add_login_link
from bot.logs import get_logger, setup_logging
from bot.process_limits import RLIM_INFINITY, raise_open_files_limit

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
MANIFEST_PATH = Path(__file__).resolve().parent / "manifest.yml"

log = get_logger("warroom.cli")


ENVIRONMENT_HELP = """\
environment:
  SLACK_BOT_TOKEN   the Bot User OAuth Token (xoxb-...)                  required
  SLACK_APP_TOKEN   an app-level token with connections:write (xapp-...)  required
  SLACK_API_URL     Slack's Web API base URL                             default: https://slack.com/api/
  WARROOM_DB        the SQLite database file                             default: ./warroom.db
  WARROOM_CONFIG    the YAML config file (warroom.yml)                   default: none, built-in defaults
"""


def version() -> str:
    try:
        return importlib.metadata.version("warroom")
    except importlib.metadata.PackageNotFoundError:  # run from a checkout that was never installed
        return "unknown (not installed)"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="warroom",
        description="Slack-first incident response and on-call bot (Socket Mode, SQLite).",
        epilog=ENVIRONMENT_HELP, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"warroom {version()}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    run = commands.add_parser("run", help="connect to Slack by Socket Mode and serve",
                              description="Connect to Slack by Socket Mode and serve until stopped (Ctrl-C or SIGTERM).",
                              epilog=ENVIRONMENT_HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    run.add_argument("--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"],
                     help="how much to log (default: %(default)s)")

    sandbox = commands.add_parser(
        "sandbox", help="try warroom in a local fake Slack (no workspace, no tokens)",
        description="Start a local Slack sandbox and the bot in one process, then type as a person: "
                    "slash commands, messages, and :help for the sandbox's own commands.")
    sandbox.add_argument("--script", metavar="FILE", help="play the lines of FILE instead of prompting; "
                                                          "exit non-zero if a line fails")
    sandbox.add_argument("--log-level", default="WARNING", choices=["DEBUG", "INFO", "WARNING", "ERROR"],
                         help="how much the bot logs under the prompt (default: %(default)s)")
    sandbox.add_argument("--keep-db", metavar="PATH", help="keep the sandbox database at PATH (default: temporary)")

    doctor = commands.add_parser("doctor", help="check config, tokens, scopes and channels",
                                 description="Check the config file, the tokens (auth.test), granted scopes "
                                             "against the manifest, the configured channels and the database.")
    doctor.add_argument("--offline", action="store_true", help="skip the checks that call Slack")

    commands.add_parser("manifest", help="print the Slack app manifest (create your app from it)",
                        description="Print the Slack app manifest; paste it at https://api.slack.com/apps.")
    add_db_commands(commands)
    add_login_link(commands)

    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return EXIT_USAGE
    if args.command == "manifest":
        sys.stdout.write(MANIFEST_PATH.read_text(encoding="utf-8"))
        return EXIT_OK
    if args.command == "run":
        return run_command(args)
    if args.command == "doctor":
        from bot.doctor import run_doctor

        return run_doctor(offline=args.offline)
    if args.command == "sandbox":
        from bot.sandbox_cli import run_sandbox

        return run_sandbox(script=args.script, log_level=args.log_level, keep_db=args.keep_db)
    if args.command == "db":
        return run_db_command(args)
    if args.command == "login-link":
        return args.run(args)
    parser.print_help()
    return EXIT_USAGE


def fail(message: str) -> int:
    sys.stderr.write(f"warroom: {message}\n")
    return EXIT_USAGE


def run_command(args: argparse.Namespace) -> int:
    from bot.app import StartupError, Warroom
    from storage.db import StorageError

    try:
        env = load_environment()
        bot_token, app_token = env.require_tokens()
        sign_in = env.slack_sign_in()
        config = load_config(env.config_path)
    except (EnvironmentError_, ConfigError) as exc:
        return fail(str(exc))
    setup_logging(args.log_level)
    soft, hard = raise_open_files_limit()
    log.info("process.open_files", soft=soft, hard="unlimited" if hard == RLIM_INFINITY else hard)
    bot = Warroom(config, bot_token=bot_token, app_token=app_token, api_url=env.api_url, db_path=env.db_path,
                  sign_in=sign_in)

    async def serve() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        try:
            await bot.start()
            # what start made (config, templates, the app, caches) lives as long as the process: out of the
            # collector's way, a full collection walks only what requests make. A page rendered afresh
            # under load had collections of up to 90 ms at its p99 (bench/incident_page_bench.py).
            gc.collect()
            gc.freeze()
            await stop.wait()
        finally:  # also when start fails half way: nothing is left behind (the lock file, the socket)
            await bot.stop()

    try:
        asyncio.run(serve())
    except (StorageError, StartupError) as exc:
        return fail(str(exc))
    return EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

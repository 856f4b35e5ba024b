"""``warroom login-link USER``: a one-time sign-in link to the web side, made on the host, for when
Slack (and so Sign in with Slack) is down."""

from __future__ import annotations

import argparse
import sys
import time

from bot.config import ConfigError, load_config
from bot.config.env import EnvironmentError_, load_environment
from bot.web.signin import LINK_SECONDS, make_login_link
from storage.web import LoginLinks


def add_login_link(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "login-link", help="print a one-time link that signs a person in to the web side",
        description=f"Print a link to warroom's web side that signs USER in once, within {LINK_SECONDS // 60} "
                    "minutes, without Slack. USER is a Slack user ID (U...) or a name under users: in warroom.yml.")
    parser.add_argument("user", help="Slack user ID, or a name from the config's users")
    parser.set_defaults(run=run_login_link)


def run_login_link(args: argparse.Namespace) -> int:
    from storage.db import StorageError, open_database

    try:
        env = load_environment()
        config = load_config(env.config_path)
    except (EnvironmentError_, ConfigError) as exc:
        sys.stderr.write(f"warroom: {exc}\n")
        return 2
    user = config.user_ref(args.user)
    if user is None:
        sys.stderr.write(f"warroom: {args.user!r} is neither a Slack user ID (like U012ABCDEF) nor a name under "
                         f"users: in {config.source}\n")
        return 2
    try:
        db = open_database(env.db_path)
    except StorageError as exc:
        sys.stderr.write(f"warroom: {exc}\n")
        return 1
    try:
        public_url = config.web.public_url or f"http://{config.http.host}:{config.http.port}"
        print(make_login_link(LoginLinks(db), public_url, user, now=time.time()))
    finally:
        db.close()
    return 0

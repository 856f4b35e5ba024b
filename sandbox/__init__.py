"""A faithful local Slack: Web API + Socket Mode on 127.0.0.1 and a person's side.

Depends only on aiohttp and the standard library; knows nothing of the bot.
"""

from .errors import SlackError
from .oidc import OAuthClient
from .person import Person
from .records import Call, Envelope
from .results import CommandResult, InteractionResult
from .sandbox import Sandbox
from .text import ANSI, PLAIN, Style

__all__ = ["ANSI", "PLAIN", "Call", "CommandResult", "Envelope", "InteractionResult", "OAuthClient", "Person",
           "Sandbox", "SlackError", "Style"]

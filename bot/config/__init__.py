"""Configuration: behaviour from warroom.yml, secrets and paths from the environment."""

from bot.config.env import Environment, EnvironmentError_, load_environment
from bot.config.loader import check_cross_references, load_config, parse_config
from bot.config.model import Channels, Config, IncidentSettings, Severity
from bot.config.reader import ConfigError

__all__ = [
    "Channels", "Config", "ConfigError", "Environment", "EnvironmentError_", "IncidentSettings",
    "Severity", "check_cross_references", "load_config", "load_environment", "parse_config",
]

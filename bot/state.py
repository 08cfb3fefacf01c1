"""The typed keys of the application's state: what handlers get from ``request.app``."""

from __future__ import annotations

from aiohttp import web

from bot.channels import Channel
from bot.conversation import ConversationService
from bot.rasa_client import RasaClient
from bot.settings import Settings
from bot.storage import Database

SETTINGS = web.AppKey("settings", Settings)
DATABASE = web.AppKey("database", Database)
RASA = web.AppKey("rasa", RasaClient)
SERVICE = web.AppKey("service", ConversationService)
CHANNELS = web.AppKey("channels", dict[str, Channel])

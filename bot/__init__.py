"""Ankommen's messaging gateway: channels, web chat, staff pages, storage and settings."""

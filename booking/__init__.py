"""MigraDo appointments and referrals: configuration, storage, the booking service, reminders, staff CLI.

Nothing here imports ``rasa``: the action server (``actions/``) and the gateway (``bot/``) both use it.
"""

"""``python -m bot`` runs the gateway alone (``ankommen run`` starts the whole stack)."""

from bot.app import main

main()

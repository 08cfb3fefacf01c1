"""Rasa SDK custom actions: knowledge answers, conversation replies, language, fallback."""

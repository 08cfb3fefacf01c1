"""Language detection (pure, shared by every process) and the Rasa NLU component.

Only :mod:`nlu.language_component` imports ``rasa``; everything else here must import neither
rasa nor the gateway, so both virtualenvs can use it.
"""

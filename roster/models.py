"""Roster models arrive with the roster issue; the app is installed so migrations order."""

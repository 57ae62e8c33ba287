"""Logbook models arrive with the logbook issue; the app is installed so migrations order."""

"""Incidents models arrive with the incidents issue; the app is installed so migrations order."""

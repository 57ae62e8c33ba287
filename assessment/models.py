"""Assessment models arrive with the assessment issue; the app is installed so migrations order."""

"""Views for post-incident reviews, plans, drills and statistics."""

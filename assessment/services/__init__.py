"""Assessment services: the only code that writes assessment tables. One module per sub-domain:
config (settings), criteria, inspection, training (A: inspections), peer, feedback, awards
(B: people), record (C: month scores, flags, annual record)."""

"""Petitions: finding them (queries), their deadlines, settings organizers change, and the
rest of their life (drafts, publishing, translations) as it grows."""

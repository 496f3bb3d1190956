"""A signature's life beyond the signing itself: for now, the one reminder to confirm."""

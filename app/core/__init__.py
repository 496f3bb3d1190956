"""What every part of the platform leans on: the clock, write transactions, signed tokens,
URLs and the rules for text people type."""

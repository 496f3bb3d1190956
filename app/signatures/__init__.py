"""Signatures: signing, confirming and withdrawing (signing.py), the exact count
(counting.py), paper entry (paper.py), a signer's deletion (erasure.py), the CSV export
(export.py, export_files.py), the dashboard's figures (stats.py), the one reminder to confirm
(reminders.py), the emails to signers (emails.py) and synthetic signatures for benchmarks
(fake.py)."""

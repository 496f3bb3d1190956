"""The letters to officials: the PDF each target receives (letter.py, set in fonts.py's
fonts), built by the worker (letter_files.py), delivered by email and recorded
(delivery.py, records.py); the flyer and paper sheet organizers print (printed/); and the
purge, which waits for the final letters before erasing the signers (purge.py)."""

"""Files the worker builds for organizers: the chunked store (store.py), a target's letter as
a PDF (letter_pdfs.py) and signatures exports (signature_exports.py)."""

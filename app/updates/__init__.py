"""Updates to signers: organizers write them (drafts.py), publish them on the petition page
(queries.py) and email them once to confirmed signers who asked for updates (emails.py,
sending.py), who can leave with one click (unsubscribe.py); a response or an outcome can
start a draft (news.py). An address that unsubscribed or that the mail server refused for
good gets no more: the sender honours app.mail.suppression."""

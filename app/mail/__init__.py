"""Email: messages are queued in the database transaction that causes them (queue.py) and
delivered by the `flask outbox send` worker (sender.py) through an SMTP server or the log
(transport.py), so a mail server that is down loses nothing. messages.py has the types they
share."""

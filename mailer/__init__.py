"""Mail I/O: MIME composition, SMTP submission, IMAP and Maildir mailboxes, the archive."""

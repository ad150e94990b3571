"""Signals other apps listen to, sent by dossiers.services inside the write's transaction (listeners
write their rows in it and start background work on commit)."""

from django.dispatch import Signal

# kwargs: attachment. Masking starts OCR for the new file.
attachment_uploaded = Signal()
# kwargs: attachment_id, dossier. Sent before the row is deleted/replaced; masking drops old results.
attachment_removed = Signal()

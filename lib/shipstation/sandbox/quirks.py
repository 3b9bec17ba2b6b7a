"""Shapes real ShipStation answers have that a tidy API would not, and data that moves
while a client reads it.

Every sandbox serves them (tests, demo, benchmark), so every client meets them:

* ``repeat_last_record``: page *n* > 1 of a list starts with the last record of page
  *n - 1* again, as happens on the live API when records change between two reads;
* ``envelope``: fields forced into every list envelope, e.g. ``{"pages": 0}`` (recorded
  live answers carry ``"pages": 0`` with records and a ``total``) or ``{"pages": None}``;
* ``page_cap``: at most this many records a page, whatever the client asked for (a server
  or proxy capping page sizes; the envelope's ``total`` still counts them all);
* ``after_page(path, page, callback)``: run ``callback()`` once, right after page
  ``page`` of ``path`` was served, to change records between two page reads.
"""

import threading


class Quirks:
    """The sandbox's switches for real-world answer shapes and moving data."""

    def __init__(self, repeat_last_record=True):
        self.repeat_last_record = repeat_last_record
        self.envelope = {}
        self.page_cap = None
        self._after = []
        self._lock = threading.Lock()

    def after_page(self, path, page, callback):
        """Run ``callback()`` once, just after page ``page`` of ``path`` (e.g. ``/orders``) was answered."""
        with self._lock:
            self._after.append((path.lower(), int(page), callback))

    def capped(self, size):
        """The page size served for ``size`` asked."""
        return min(size, self.page_cap) if self.page_cap else size

    def page_served(self, path, page):
        """Run the callbacks registered for this page (called by the list routes)."""
        with self._lock:
            due = [entry for entry in self._after if entry[:2] == (path.lower(), page)]
            self._after = [entry for entry in self._after if entry not in due]
        for _path, _page, callback in due:
            callback()

    def clear(self):
        """Back to the defaults (records repeated across pages, a plain envelope, no callbacks)."""
        with self._lock:
            self.repeat_last_record, self.envelope, self._after, self.page_cap = True, {}, [], None

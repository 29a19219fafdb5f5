"""Which followers' next login resync copies the master's open trades (rules ``copy_existing``).

A follower becomes *due* when it starts following a master (the dashboard, or the master
token in its EA's ``AUTH``) or resumes from pause (the trader's switch, or a pausing trip's
end) with ``copy_existing`` on; the login resync that follows (engine/resync.py) takes the
mark and copies what qualifies. The set lives in memory for the hot path and in the
``copy_existing_due`` table (sql/033_due_marks.sql) so that a server restart in between loses
nothing: a mark is written, and its removal deleted, in the ledger's next batch (in order with the
pair writes), and the table is read back at start-up.
"""

from __future__ import annotations

import attrs

from ..db import copy_existing as sql
from ..db.database import Database
from .ledger import Ledger


@attrs.define
class CopyExistingDue:
    """The due followers (module docstring); ``fid in due``, :meth:`add`, :meth:`take`."""

    db: Database
    ledger: Ledger
    _due: set[int] = attrs.field(factory=set)

    async def load(self) -> None:
        """Read the stored marks (at start-up, before any EA is served)."""
        self._due |= await self.db.run(sql.load_due)

    def __contains__(self, fid: object) -> bool:
        return fid in self._due

    def __len__(self) -> int:
        return len(self._due)

    def add(self, fid: int, why: str = "due") -> None:
        """Mark ``fid``: its next login resync copies existing trades."""
        if fid not in self._due:
            self._due.add(fid)
            self.ledger.enqueue(sql.mark_due, (fid, why))

    def discard(self, fid: int) -> None:
        """Clear the mark of ``fid`` (its resync is copying them now)."""
        if fid in self._due:
            self._due.discard(fid)
            self.ledger.enqueue(sql.clear_due, (fid,))

    def take(self, fid: int) -> bool:
        """Whether ``fid`` was due; the mark is cleared."""
        due = fid in self._due
        self.discard(fid)
        return due

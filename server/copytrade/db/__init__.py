"""copytrade.db"""

"""copytrade.api"""

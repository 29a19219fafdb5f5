"""copytrade.protocol"""

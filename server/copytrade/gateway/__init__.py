"""copytrade.gateway"""

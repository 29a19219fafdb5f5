"""copytrade.engine"""

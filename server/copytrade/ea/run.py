"""``copytrade ea run master|follower``: one real, compiled EA in an emulated MT5 terminal,
against a running server, optionally driven by a scenario file (copytrade.ea.scenario).

It prints what the EA did: its connection, every protocol line sent and received (the API key
masked), its log, every OrderSend with its result, the terminal's deals, and the final
positions. ``--json`` prints the same as one JSON object per line.

Whatever it concludes from the server's replies (logged in or refused, PING/PONG left out by
``--quiet``, a reply the protocol refuses) it takes from the ``message`` that
:class:`~copytrade.protocol.Connection` made of each received line (ea/terminal.py), the same
state machine the gateway and the simulators drive -- never from the line's text.
"""

from __future__ import annotations

import argparse
import json
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import trio

from ..protocol import AuthOk, Error, Ping, Pong, ProtocolError
from .build import EA_NAMES, BuildError, build, mql5_dir, transform
from .build import _tls_available as tls_available
from .scenario import QUIRKS, RETCODES, Scenario, ScenarioError, Step, load, parse
from .terminal import Event, Terminal, TerminalError

ACTIONS = {1: "DEAL", 5: "PENDING", 6: "SLTP", 7: "MODIFY", 8: "REMOVE", 10: "CLOSE_BY"}
FILLINGS = {0: "FOK", 1: "IOC", 2: "RETURN", 3: "BOC"}
REASONS = {0: "CLIENT", 1: "MOBILE", 2: "WEB", 3: "EXPERT", 4: "SL", 5: "TP", 6: "SO"}
LOGIN_TIMEOUT = 30.0


class ExitCode:
    OK = 0
    FAILED = 1     # could not build or run, or the EA never logged in
    USAGE = 2      # bad arguments or scenario file


def add_arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="ea_action", metavar="ACTION", required=True)
    run = actions.add_parser(
        "run", help="run the real master or follower EA (compiled with g++) against a server",
        description="Compile the real EA (mql5/Experts/*.mq5 with its includes) for the MT5 "
                    "terminal emulator on first use (cached), run it against a running server "
                    "and print what it did. Needs g++. With --scenario the terminal follows "
                    "the script (see mql5/README.md, \"Try the real EA without MetaTrader\"); "
                    "without it the EA runs until Ctrl-C or --duration. Exit code 2: bad "
                    "arguments or scenario file (nothing was run); 1: the EA could not be "
                    "built or never logged in.")
    run.add_argument("role", choices=tuple(EA_NAMES), help="which EA")
    run.add_argument("--api-key", required=True, help="the trading account's EA key")
    run.add_argument("--master-token", default="",
                     help="follower: follow this master (MST-...) on login")
    run.add_argument("--host", default="127.0.0.1", help="server EA host [127.0.0.1]")
    run.add_argument("--port", type=int, default=5555, help="server EA port [5555]")
    run.add_argument("--tls", action="store_true", help="TLS to the EA port (InpUseTls)")
    run.add_argument("--tls-ca", metavar="FILE", default="",
                     help="with --tls: trust this CA file (the terminal's certificate store)")
    run.add_argument("--scenario", metavar="FILE", type=Path, default=None,
                     help="JSON script of terminal events (see mql5/README.md)")
    run.add_argument("--duration", type=float, default=None, metavar="SECONDS",
                     help="stop after this long (without --scenario: default until Ctrl-C; "
                          "with it: at the latest)")
    run.add_argument("--input", action="append", default=[], metavar="NAME=VALUE",
                     help="set an EA input (repeatable), e.g. --input InpScanMs=50")
    run.add_argument("--dir", type=Path, default=None,
                     help="terminal data folder (MQL5/Files, globals) kept between runs "
                          "[a temporary folder]")
    run.add_argument("--json", action="store_true", help="one JSON object per line")
    run.add_argument("--quiet", action="store_true",
                     help="no PING/PONG lines and no EA timer notices")


class Printer:
    """Turns terminal events into readable lines (or JSON lines), secrets masked."""

    def __init__(self, as_json: bool, secret: str, quiet: bool) -> None:
        self.as_json = as_json
        self.secret = secret
        self.quiet = quiet
        self.started = time.monotonic()
        self.last_comment = ""
        self.connected: set[Any] = set()

    def mask(self, text: str) -> str:
        return text.replace(self.secret, "<api-key>") if self.secret else text

    def out(self, kind: str, text: str, data: dict[str, Any] | None = None) -> None:
        elapsed = time.monotonic() - self.started
        if self.as_json:
            body = {"t": round(elapsed, 3), "ev": kind, **(data or {"text": text})}
            line = self.mask(json.dumps(body, default=str))
        else:
            line = self.mask(f"{elapsed:8.3f} {kind:<9} {text}")
        print(line, flush=True)

    def event(self, e: Event) -> None:
        ev = e["ev"]
        if ev == "net" and e.get("what") == "connect":
            self.connected.add(e["socket"])
        elif ev == "net" and e.get("what") == "close":
            if e["socket"] not in self.connected:
                return      # a connect that failed: the EA's log line says why
            self.connected.discard(e["socket"])
        data = {k: v for k, v in e.items()
                if k not in ("t", "ev", "terminal", "message", "refused")}
        if ev in ("send", "recv", "ok", "hello", "state", "exit"):
            return
        if self.quiet and _heartbeat(e):
            return
        self.show(e, data)
        if ev == "received" and e["refused"] is not None:
            self.refused(e["line"], e["refused"])

    def show(self, e: Event, data: dict[str, Any]) -> None:
        ev = e["ev"]
        if self.as_json:
            if ev != "timer" or not self.quiet:
                self.out(ev, "", data)
            return
        if ev == "sent":
            self.out("EA->srv", e["line"])
        elif ev == "received":
            self.out("srv->EA", e["line"])
        elif ev == "net":
            what = e.get("what")
            if what == "connect":
                self.out("net", f"connected to {e.get('host')}:{e.get('port')}")
            elif what == "close":
                self.out("net", "connection closed")
            else:
                self.out("net", str(what))
        elif ev == "print":
            self.out("log", e["text"])
        elif ev == "alert":
            self.out("ALERT", e["text"])
        elif ev == "comment":
            if e["text"] and e["text"] != self.last_comment:
                self.last_comment = e["text"]
                self.out("chart", " | ".join(e["text"].splitlines()))
        elif ev == "order_send":
            self.out("OrderSend", describe_order_send(e))
        elif ev == "deal":
            self.out("deal", describe_deal(e))
        elif ev == "init":
            self.out("OnInit", f"returned {e['ret']} (login {e['login']})")
        elif ev == "deinit":
            self.out("OnDeinit", f"reason {e['reason']}")
        elif ev == "timer":
            if not self.quiet:
                self.out("timer", f"EventSetMillisecondTimer({e['ms']})")
        elif ev == "error":
            self.out("ERROR", str(e.get("text")))
        elif ev == "fatal":
            self.out("FATAL", str(e.get("text")))
        else:
            self.out(ev, json.dumps(data, default=str))

    def refused(self, line: str, exc: ProtocolError) -> None:
        """A line from the server that the protocol refuses (a server or network fault)."""
        self.out("protocol", f"the server's line is not valid protocol: {exc}",
                 {"line": line, "code": exc.code.value, "field": exc.field,
                  "detail": exc.detail})


def _heartbeat(e: Event) -> bool:
    """A PING or PONG line (what ``--quiet`` leaves out): the EA's by its first field, the
    server's by the message the protocol read."""
    if e["ev"] == "sent":
        return bool(e["line"].split("|")[0] in ("PING", "PONG"))
    return e["ev"] == "received" and isinstance(e["message"], Ping | Pong)


def describe_order_send(e: Event) -> str:
    action = ACTIONS.get(int(e["action"]), str(e["action"]))
    code = int(e["retcode"])
    result = f"{code} {RETCODES.get(code, '')}".strip()
    if action == "SLTP":
        what = f"SLTP position {e['position']} sl {e['sl']:g} tp {e['tp']:g}"
    else:
        side = "BUY" if int(e["type"]) == 0 else "SELL" if int(e["type"]) == 1 else e["type"]
        what = f"{side} {e['volume']:g} {e['symbol']}"
        if int(e["position"]):
            what += f" closing position {e['position']}"
        if e["sl"] or e["tp"]:
            what += f" sl {e['sl']:g} tp {e['tp']:g}"
        what += f" filling {FILLINGS.get(int(e['filling']), e['filling'])}"
    if e.get("comment"):
        what += f" '{e['comment']}'"
    tail = f" deal {e['deal']}" if int(e.get("deal") or 0) else ""
    return f"{what} -> {result}{tail}"


def describe_deal(e: Event) -> str:
    if e["type"] == "BALANCE":
        return f"#{e['deal']} balance {e['profit']:+g}"
    reason = REASONS.get(int(e["reason"]), str(e["reason"]))
    return (f"#{e['deal']} {e['type']} {e['volume']:g} {e['symbol']} @ {e['price']:g} "
            f"{e['entry']} position {e['position']} ({reason})"
            + (f" profit {e['profit']:+g}" if e["entry"] != "IN" else ""))


def describe_position(p: dict[str, Any]) -> str:
    levels = f" sl {p['sl']:g} tp {p['tp']:g}" if p["sl"] or p["tp"] else ""
    comment = f" '{p['comment']}'" if p.get("comment") else ""
    return (f"#{p['ticket']} {p['side']} {p['volume']:g} {p['symbol']} @ {p['price']:g}"
            f"{levels} magic {p['magic']}{comment}")


# --------------------------------------------------------------------------- running

class Run:
    def __init__(self, args: argparse.Namespace, scenario: Scenario, printer: Printer) -> None:
        self.args = args
        self.scenario = scenario
        self.printer = printer
        self.refs: dict[str, int] = {}
        self.terminal: Terminal | None = None

    def say(self, text: str, step: Step | None = None, **result: Any) -> None:
        data: dict[str, Any] = {"text": text}
        if step is not None:
            data = {"index": step.index, "do": step.do, **step.fields, **result, "text": text}
        self.printer.out("scenario", text, data)

    async def setup(self, t: Terminal) -> None:
        s, a = self.scenario, self.args
        term = s.terminal
        login = term.get("login", 50001 if a.role == "master" else 60001)
        await t.op("account", login=login, mode=term.get("mode", "hedging"),
                   balance=term.get("balance", 10000), currency=term.get("currency", "USD"),
                   leverage=term.get("leverage", 100),
                   **({"name": term["name"]} if "name" in term else {}))
        for name, spec in s.symbols.items():
            await t.op("symbol", name=name, **spec)
        quirks = _quirks(term)
        quirks["chart"] = term.get("chart", next(iter(s.symbols)))
        if a.tls_ca:
            quirks["tls_ca"] = a.tls_ca
        await t.op("terminal", **quirks)
        values = {"InpApiKey": a.api_key, "InpHost": a.host, "InpPort": str(a.port),
                  **({"InpUseTls": "true"} if a.tls else {}),
                  **({"InpMasterToken": a.master_token} if a.master_token else {}),
                  **s.inputs, **dict(_input(i) for i in a.input)}
        for key, value in values.items():
            await t.op("input", name=key, value=value)
        await t.op("attach")

    async def step(self, t: Terminal, st: Step) -> None:
        f = dict(st.fields)
        note = f" ({st.note})" if st.note else ""
        if st.do == "wait":
            self.say(f"wait {f['seconds']:g} s{note}", st)
            await trio.sleep(f["seconds"])
            return
        if st.do == "wait_for":
            timeout = f.get("timeout", 30.0)
            self.say(f"wait up to {timeout:g} s for a position on {f['symbol']}{note}", st)
            with trio.move_on_after(timeout):
                while True:
                    if any(p["symbol"] == f["symbol"] for p in (await t.state())["positions"]):
                        return
                    await trio.sleep(0.1)
            raise TerminalError(f"no position on {f['symbol']} within {timeout:g} s")
        if st.do == "open":
            ref = f.pop("ref", None)
            reply = await t.op("open", **f)
            if ref is not None:
                self.refs[ref] = int(reply["position"])
            levels = "".join(f" {k} {f[k]:g}" for k in ("sl", "tp") if k in f)
            self.say(f"open {f['side']} {f['volume']:g} {f['symbol']}{levels}"
                     f" -> position {reply['position']}" + (f" (ref {ref})" if ref else "")
                     + note, st, position=int(reply["position"]))
            return
        if st.do in ("close", "partial_close", "modify", "close_by"):
            if "symbol" in f:
                symbol = f.pop("symbol")
                held = [p for p in (await t.state())["positions"] if p["symbol"] == symbol]
                if not held:
                    raise TerminalError(f"no open position on {symbol}")
                ref, position = symbol, int(held[0]["id"])
            else:
                ref = f.pop("ref")
                position = self.refs[ref]
            if st.do == "close_by":
                by = self.refs[f.pop("by")]
                await t.op("close_by", position=position, by=by)
                self.say(f"close_by position {position} by {by}{note}", st)
                return
            await t.op("modify" if st.do == "modify" else "close", position=position, **f)
            detail = " ".join(f"{k} {v:g}" if isinstance(v, float) else f"{k} {v}"
                              for k, v in f.items())
            self.say(f"{st.do} {ref} (position {position}) {detail}".rstrip() + note, st,
                     position=position)
            return
        if st.do in ("tick", "deposit", "stopout", "restart", "detach", "attach",
                     "switch_account"):
            await t.op(st.do, **f)
        elif st.do == "symbol":
            await t.op("symbol", **f)
        elif st.do == "disconnect":
            await t.op("terminal", connected=False)
        elif st.do == "reconnect":
            await t.op("terminal", connected=True)
        elif st.do == "trade_errors":
            if "retcodes" in f:
                f["retcodes"] = ",".join(str(code) for code in f["retcodes"])
            await t.op("trade_script", **f)
        elif st.do == "terminal":
            await t.op("terminal", **_quirks(f))
        detail = " ".join(f"{k} {v}" for k, v in st.fields.items())
        self.say(f"{st.do} {detail}".rstrip() + note, st)

    async def play(self, t: Terminal) -> bool:
        """Run the script; False if the terminal refused a step (the rest is skipped)."""
        started = time.monotonic()
        for st in self.scenario.steps:
            if st.at is not None:
                await trio.sleep(max(0.0, started + st.at - time.monotonic()))
            try:
                await self.step(t, st)
            except (TerminalError, trio.TooSlowError) as exc:
                reason = str(exc) or "no answer from the terminal"
                self.printer.out("ERROR", f"events[{st.index}] ({st.do}) failed: {reason}; "
                                 "the rest of the script is skipped",
                                 {"index": st.index, "do": st.do, "text": reason})
                return False
        if self.scenario.steps:
            self.say(f"end of the script; settling {self.scenario.settle:g} s")
        await trio.sleep(self.scenario.settle)
        return True


def _quirks(fields: dict[str, Any]) -> dict[str, Any]:
    names = {"shuffle_transactions": "shuffle"}
    return {names.get(k, k): v for k, v in fields.items()
            if k in QUIRKS}


def _input(text: str) -> tuple[str, str]:
    name, _, value = text.partition("=")
    return name.strip(), value


async def _logged_in(t: Terminal, printer: Printer) -> bool:
    """Wait for the server's answer to AUTH: True for OK, False for ERR or a timeout."""
    def answer_or_stop(e: Event) -> bool:
        if e["ev"] == "received":
            return isinstance(e["message"], AuthOk | Error)
        return e["ev"] == "deinit" or (e["ev"] == "init" and int(e["ret"]) != 0)

    try:
        answer = await t.wait_for(answer_or_stop, LOGIN_TIMEOUT)
    except trio.TooSlowError:
        printer.out("RESULT", f"no answer to AUTH within {LOGIN_TIMEOUT:g} s (is the server "
                    "running at that host and port?)", {"logged_in": False})
        return False
    if answer["ev"] != "received":
        printer.out("RESULT", "the EA stopped itself before logging in (see its log above)",
                    {"logged_in": False})
        return False
    if isinstance(answer["message"], AuthOk):
        return True
    printer.out("RESULT", f"the server refused the EA: {answer['line']}", {"logged_in": False,
                                                                          "answer": answer["line"]})
    return False


async def _report_login(t: Terminal, printer: Printer) -> None:
    """With ``"start": "attach"`` the script does not wait for the login; say how it went."""
    with trio.move_on_after(LOGIN_TIMEOUT):
        await _logged_in(t, printer)


async def run_ea(args: argparse.Namespace, scenario: Scenario) -> int:
    printer = Printer(args.json, args.api_key, args.quiet)
    mode = "scenario " + str(args.scenario) if args.scenario else (
        f"for {args.duration:g} s" if args.duration else "until Ctrl-C")
    printer.out("build", f"building the {args.role} EA and the terminal emulator with g++ "
                "(cached after the first run) ...", {"role": args.role})
    began = time.monotonic()
    if args.tls and not tls_available():
        print("copytrade: cannot run the EA with --tls: the emulator's TLS needs the OpenSSL "
              "headers (/usr/include/openssl/ssl.h; Debian/Ubuntu: apt-get install libssl-dev)",
              file=sys.stderr)
        return ExitCode.FAILED
    try:
        built = await trio.to_thread.run_sync(lambda: build(args.role))
    except BuildError as exc:
        print(f"copytrade: cannot run the EA: {exc}", file=sys.stderr)
        return ExitCode.FAILED
    printer.out("build", f"{built.ea.name} ready in {time.monotonic() - began:.1f} s "
                f"({built.directory})", {"ea": str(built.ea), "terminal": str(built.terminal)})
    temporary = args.dir is None
    directory = Path(tempfile.mkdtemp(prefix="copytrade-ea-")) if temporary else args.dir
    run = Run(args, scenario, printer)
    t = Terminal(built, directory, args.role, on_event=printer.event)
    code = ExitCode.OK
    final: list[dict[str, Any]] = []
    try:
        async with trio.open_nursery() as nursery:
            await t.start(nursery)
            printer.out("terminal", f"{args.role} EA on {args.host}:{args.port}, {mode}; "
                        f"terminal folder {directory}")
            with trio.CancelScope() as scope:
                nursery.start_soon(_cancel_on_signal, scope)
                with trio.move_on_after(args.duration if args.duration else float("inf")):
                    await run.setup(t)
                    if scenario.start == "attach":
                        nursery.start_soon(_report_login, t, printer)
                    elif not await _logged_in(t, printer):
                        code = ExitCode.FAILED
                        scope.cancel()
                    if not scope.cancel_called:
                        if args.scenario is not None:
                            if not await run.play(t):
                                code = ExitCode.FAILED
                        else:
                            await trio.sleep_forever()
            with trio.move_on_after(10) as dump_scope:
                dump_scope.shield = True
                if not t.exited.is_set():
                    final = list((await t.state())["positions"])
                await t.stop()
            nursery.cancel_scope.cancel()
    except TerminalError as exc:
        print(f"copytrade: the emulated terminal failed: {exc}", file=sys.stderr)
        return ExitCode.FAILED
    finally:
        if temporary:
            shutil.rmtree(directory, ignore_errors=True)
    printer.out("positions", f"{len(final)} open at the end" + "".join(
        f"\n{'':18} {describe_position(p)}" for p in final), {"positions": final})
    sends = [e for e in t.events if e["ev"] == "order_send"]
    logged_in = any(e["ev"] == "received" and isinstance(e["message"], AuthOk)
                    for e in t.events)
    if not logged_in:
        code = ExitCode.FAILED
    summary = {"role": args.role, "logged_in": logged_in,
               "lines_sent": len(t.lines("sent")), "lines_received": len(t.lines("received")),
               "order_sends": len(sends),
               "order_sends_failed": len([e for e in sends if int(e["retcode"]) not in
                                          (10008, 10009, 10010)]),
               "connects": len([e for e in t.events if e["ev"] == "net"
                                and e.get("what") == "connect"]),
               "positions": final, "exit_code": code}
    printer.out("summary", f"{summary['lines_sent']} lines sent, {summary['lines_received']} "
                f"received, {summary['order_sends']} OrderSend ({summary['order_sends_failed']} "
                f"failed), {summary['connects']} connect(s), {len(final)} position(s) open",
                summary)
    return code


async def _cancel_on_signal(scope: trio.CancelScope) -> None:
    with trio.open_signal_receiver(signal.SIGINT, signal.SIGTERM) as signals:
        async for _ in signals:
            scope.cancel()
            return


def ea_inputs(role: str) -> tuple[str, ...]:
    """The input names of the EA's source (for checking a scenario's ``inputs``)."""
    main = mql5_dir() / "Experts" / f"{EA_NAMES[role]}.mq5"
    return tuple(i.name for i in transform(main.read_text(encoding="utf-8"))[1])


def validate_args(args: argparse.Namespace) -> Scenario:
    """The scenario (empty without --scenario); a ScenarioError or ValueError on bad input."""
    if not args.api_key.strip():
        raise ValueError("--api-key must not be empty")
    if args.role == "follower" and args.master_token and not args.master_token.startswith("MST-"):
        raise ValueError("--master-token must look like MST-...")
    if args.role == "master" and args.master_token:
        raise ValueError("--master-token is for the follower EA")
    if not 0 < args.port < 65536:
        raise ValueError("--port must be 1..65535")
    if args.duration is not None and not args.duration > 0:
        raise ValueError("--duration must be > 0 seconds")
    if args.tls_ca and not args.tls:
        raise ValueError("--tls-ca needs --tls")
    try:
        inputs = ea_inputs(args.role)
    except BuildError:
        inputs = ()
    for item in args.input:
        name, sep, _ = item.partition("=")
        if not sep or not name.strip():
            raise ValueError(f"--input {item!r}: use NAME=VALUE")
        if inputs and name.strip() not in inputs:
            raise ValueError(f"--input {name.strip()}: the EA has no such input (it has "
                             f"{', '.join(inputs)})")
    if args.scenario is None:
        return parse({"events": []})
    return load(args.scenario, inputs=inputs)


def run(args: argparse.Namespace) -> int:
    try:
        scenario = validate_args(args)
    except ScenarioError as exc:
        print(f"copytrade: scenario {args.scenario}: {exc}", file=sys.stderr)
        return ExitCode.USAGE
    except ValueError as exc:
        print(f"copytrade: {exc}", file=sys.stderr)
        return ExitCode.USAGE
    return trio.run(run_ea, args, scenario)

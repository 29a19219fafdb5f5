"""The one table of the API's error words: every text an error carries has a stable code.

An API error says what is wrong in English (``message``, and per field in ``fields``); each of
those texts is one of the templates below with its ``{parameters}`` filled in. The error body
(:func:`copytrade.api.errors.error_body`) names the template of every text — ``message_code``
and ``params`` for the message, ``field_codes`` and ``field_params`` per field — so a client
shows the same refusal in its own language from the code and the parameters (the SPA:
frontend/src/i18n, key ``fieldCode.<code>``; a test fails when a code lacks a Thai or an
English text). Where the code that raises an error knows its code it says so
(``field_codes=...``); everywhere else the code is found here by matching the text against the
templates, so a template is the English text, word for word. tests/api/test_error_codes.py
reads every error text written in the server's source and fails when one matches no template.

A text that matches none (a bug: the test above should have caught it) has the code
``other`` with the text as its parameter ``text``.

``python -m copytrade.api.error_codes`` prints the codes (frontend/src/i18n/field-codes.json).
"""

from __future__ import annotations

import json
import re
from typing import Final

OTHER: Final = "other"

MESSAGES: Final[dict[str, str]] = {
    # ---- the request as a whole (``message``)
    "fields_invalid": "Some fields are invalid.",
    "query_invalid": "Some query parameters are invalid.",
    "body_not_json": "The body is not valid JSON.",
    "body_not_object": "The body must be a JSON object.",
    "body_too_large": "The request body is larger than 64 KiB.",
    "no_such_route": "No such route.",
    "method_not_allowed": "Method not allowed on this route.",
    "internal": "Internal server error.",
    "database_unavailable": "The database is unavailable; nothing was changed. Retry shortly.",
    "too_many_attempts": "Too many failed attempts; try again in {seconds} s.",
    "login_first": "Log in first.",
    "session_ended": "Your session has ended; log in again.",
    "token_invalid": "Invalid or revoked token.",
    "csrf_header_missing": "Unsafe requests made with a session need the header {header}: 1.",
    "cross_origin_websocket": "Cross-origin websocket refused.",
    "wrong_login": "Wrong email or password.",
    "user_disabled": "This user is disabled; ask the administrator.",
    "admin_only": "Only an administrator may do this.",
    "email_cannot_be_used": "This email cannot be used.",
    "current_password_wrong": "The current password is wrong.",
    "registration_closed": "Registration is closed on this server.",
    "invite_required": "Registration needs an invite code from the administrator.",
    "invite_invalid": "This invite code is unknown, used or expired.",
    "invite_not_found": "invite not found",
    "invite_used": "this invite was already used or revoked",
    "admin_cannot_be_disabled": "an administrator cannot be disabled",
    "user_not_found": "user not found",
    "token_not_found": "token not found",
    "not_found": "not found",
    "account_not_found": "trading account not found",
    "account_not_found_short": "account not found",
    "partner_not_found": "partner account not found",
    "master_not_found": "master account not found",
    "alert_channel_not_found": "alert channel not found",
    "unknown_ticket": "unknown ticket {ticket}",
    "unknown_order_ticket": "unknown order ticket {ticket}",
    "trip_not_found": "no such trip on this account",
    "trip_ended": "this trip has already ended",
    "name_in_use": "You already have an account with this name.",
    "master_token_unknown": "No master account has this master token.",
    "master_token_unknown_lower": "no master account has this master token",
    "master_token_was_rotated": "This master token was rotated.",
    "no_such_follower_of_yours": "No follower account of yours has this id.",
    "partner_must_follow": "The 1TO1 partner must be one of this master's followers.",
    "not_a_follower_of_master": "this account does not follow this master",
    "not_removed_from_master": "this account was not removed from this master",
    "not_pending_for_master": "this account is not waiting for this master's approval",
    "master_only_followers": "only master accounts have followers",
    "master_only_copy_mode": "only master accounts have a copy mode",
    "master_only_partner": "only a master account has a 1TO1 partner",
    "master_only_token": "only a master account has a master token",
    "master_only_approval": "only master accounts approve followers",
    "follower_only_rules": "only follower accounts have copy rules",
    "follower_only_guards": "only follower accounts have risk guards",
    "follower_only_follow": "only a follower account can follow a master",
    "follow_self": "a follower can only follow a master account other than itself",
    "role_only": "only {role} accounts have {what}",
    "alerts_off": "alerts are not running on this server",
    "alert_channel_limit": "at most {limit} alert channels per user",
    "link_kinds": "only Telegram and LINE channels are linked",
    # ---- the commonest refusals of one field (the first codes of ``field_codes``)
    "wrong_password": "is wrong",
    "email_unusable": "cannot be used; choose another address",
    "email_taken": "an account with this email already exists",
    "unknown_master_token": "no master account has this token",
    "master_token_rotated": ("this master token was rotated by the master's owner: enter the new "
                             "token (or leave the token empty to keep following as set in the "
                             "web app)"),
    "follower_removed": ("the master's owner removed this follower; it can follow this master "
                         "again only after they allow it"),
    "partner_follows_no_master": ("this follower follows no master; make it follow this master "
                                  "first"),
    "partner_follows_other": ("this follower follows another master; make it follow this master "
                              "first"),
    "partner_not_follower": "the 1TO1 partner must be a follower account",
    "open_copies": "this account still has open copies; close them first",
    "name_taken": "already used by another of your accounts",
    "no_follower_of_yours": "no follower account of yours has this id",
    # ---- what a follower EA is refused at login (the live event ea.master_token_refused)
    "follows_another_master": (
        "this follower follows master account {id} as set in the web app, which decides; "
        "nothing was changed: leave the master token empty in the EA, or change the master in "
        "the web app"),
    # ---- request validation (api/validation.py, api/routing.py)
    "required": "required field missing",
    "unknown_field": "unknown field",
    "invalid_value": "invalid value",
    "not_object": "must be an object",
    "not_string": "must be a string",
    "not_integer": "must be an integer",
    "not_boolean": "must be true or false",
    "not_list": "must be a list",
    "not_null": "must not be null",
    "nul_characters": "must not contain NUL characters",
    "not_unicode": "must be valid Unicode text",
    "not_decimal_string": 'must be a decimal number written as a string, like "{example}"',
    "not_time_string": "must be an ISO-8601 time string",
    "not_iso_time": "must be an ISO-8601 time like 2025-01-31T12:00:00Z",
    "one_of": "must be one of {choices}",
    "min_length": "must have at least {min} character(s)",
    "max_length": "must have at most {max} characters",
    "bad_format": "has an invalid format",
    "at_least": "must be at least {min}",
    "at_most": "must be at most {max}",
    "max_items": "must have at most {max} items",
    "given_twice": "may be given once",
    "later_than_since": "must be later than since",
    "bad_cursor": "is not a cursor from this list",
    "lot_decimals": "may have at most 4 decimal places",
    # ---- copy rules (domain/rules.py, domain/symbols.py)
    "not_number": "must be a number",
    "value_not_number": "{value} is not a number",
    "value_not_one_of": "{value} is not one of {choices}",
    "not_whole_number": "must be a whole number",
    "value_not_whole_number": "{value} is not a whole number",
    "above": "must be above {min}",
    "in_range": "must be {range}",
    "not_symbol_list": "must be a list of symbols",
    "symbol_map_text": "must be text like 'XAUUSD=GOLD, US30=DJ30'",
    "symbol_map_pairs": "must be MASTER=FOLLOWER pairs",
    "risk_percent_max": "the risk per copy must be at most {max} %",
    "allowed_and_blocked": "{symbol} cannot be both allowed and blocked",
    "bad_symbol": ("{symbol} is not a symbol name: use 1 to {max} characters from "
                   "A-Z a-z 0-9 . _ # + -"),
    "bad_symbol_in_map": ("{where}: {symbol} is not a symbol name (1 to {max} characters from "
                          "A-Z a-z 0-9 . _ # + -)"),
    "symbol_map_too_many": "has {count} entries; at most {max}",
    "symbol_map_limit": "has more than {max} entries",
    "symbol_mapped_twice": "{symbol} is mapped twice (also as {other})",
    "symbol_map_no_equals": "{where} has no '='; write MASTER=FOLLOWER",
    "symbol_map_two_equals": "{where} has more than one '='",
    "symbol_map_no_master": "{where} has no master symbol before '='",
    "symbol_map_no_follower": "{where} has no follower symbol after '='",
    "symbol_map_again": "{where} maps {symbol} again (already {other})",
    # ---- risk guards (domain/risk_limits.py)
    "not_iana_zone": "{zone} is not an IANA time zone",
    "two_decimals": "at most 2 decimals",
    "below_trillion": "must be below 1 000 000 000 000",
    "above_zero_at_most": "must be above 0 and at most {max}",
    "local_times": "times are local, without a zone",
    "window_empty": "a window must not start when it ends",
    "weekdays": "one or more of 0 (Monday) ... 6 (Sunday)",
    "max_windows": "at most 8 windows",
    "max_open_copies_range": "must be 1 ... 10000",
    "rate_limit_range": "must be above 0, at most 1 000 000, 4 decimals",
    "timezone_aware": "must be timezone-aware",
    "hhmm": "must be a time HH:MM (00:00 ... 23:59)",
    "guard_object": "must be an object {value, action} or null",
    "zone_or_null": "must be an IANA time zone name or null",
    "integer_or_null": "must be an integer or null",
    "hours_object": "must be an object {days, windows, timezone} or null",
    "weekday_list": "must be a list of 0 (Monday) ... 6 (Sunday)",
    "window_list": "must be a list of {start, end}",
    "window_object": "must be an object {start, end}",
    "zone_name": "must be an IANA time zone name",
    # ---- alert channels (api/alerts.py, notify/prefs.py)
    "topic_twice": "lists a topic twice",
    "summary_hhmm": "must be a time HH:MM",
    "hhmm_24": "must be a 24-hour time HH:MM, e.g. 22:30",
    "zone_example": "must be an IANA time zone such as Asia/Bangkok or UTC",
    "unknown_zone": "unknown time zone {zone} (use an IANA name such as Asia/Bangkok)",
    "quiet_both": "quiet hours need both a start and an end (or neither)",
    "quiet_differ": "must differ from quiet_start",
    "not_for_kind": "does not apply to {kind} channels",
    "no_server_telegram": "this server has no Telegram bot: use your own bot (own)",
    "only_own": "only for via = own",
    "bot_token_required": "required for your own bot (the token from @BotFather)",
    "telegram_refused": "Telegram refused this token: {detail}",
    "server_bot_unavailable": "the server's bot is unavailable: {detail}",
    "no_server_line": "this server has no LINE Official Account: use your own (own)",
    "line_own_required": "required for your own Official Account",
    "smtp_off": "e-mail is not configured on this server (COPYTRADE_SMTP_HOST)",
    "email_required": "required for e-mail channels",
    "webhook_required": "required for webhook channels",
    "already_ended": "already ended",
    # ---- signals and pending orders checked by the domain (domain/plan.py, domain/pending.py)
    "timezone_aware_utc": "must be timezone-aware (UTC)",
    "volume_not_negative": "must be a volume of 0 or more",
    "pending_not_reversed": "a {kind} order cannot be copied reversed",
    "pending_needs_limit": "a {kind} order needs its limit price (> 0)",
    "zero_for_kind": "must be 0 for a {kind} order",
    # ---- the catch-all (a text no template matches; see the module docstring)
    OTHER: "{text}",
}

_PARAM = re.compile(r"\{(\w+)\}")


def params_of(template: str) -> list[str]:
    """The parameter names of ``template``, in order."""
    return _PARAM.findall(template)


def _compile(template: str) -> re.Pattern[str]:
    out, pos = [], 0
    for m in _PARAM.finditer(template):
        out.append(re.escape(template[pos:m.start()]))
        out.append(f"(?P<{m.group(1)}>.+?)")
        pos = m.end()
    out.append(re.escape(template[pos:]))
    return re.compile("".join(out) + r"\Z", re.DOTALL)


_EXACT: Final = {t: c for c, t in MESSAGES.items() if not params_of(t)}
# Templates with parameters, the most literal text first (so "must be a number" never reads
# as "must be {range}").
_PATTERNS: Final = sorted(
    ((c, _compile(t)) for c, t in MESSAGES.items() if params_of(t) and c != OTHER),
    key=lambda item: -len(_PARAM.sub("", MESSAGES[item[0]])))


def code_of(text: str) -> tuple[str, dict[str, str]]:
    """The code and parameters of an English error text (``other`` when none matches)."""
    exact = _EXACT.get(text)
    if exact is not None:
        return exact, {}
    for code, pattern in _PATTERNS:
        m = pattern.match(text)
        if m:
            return code, m.groupdict()
    return OTHER, {"text": text}


def render(code: str, params: dict[str, str] | None = None) -> str:
    """The English text of ``code`` with ``params`` filled in."""
    values = params or {}
    return _PARAM.sub(lambda m: values.get(m.group(1), m.group(0)), MESSAGES[code])


if __name__ == "__main__":
    print(json.dumps(sorted(MESSAGES), indent=2))

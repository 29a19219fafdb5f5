"""Register, log in and out, who-am-I, profile and password."""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from typing import Any

from quart import Response, request

from ..db.audit import AuditEntry, AuditLog
from ..db.errors import Conflict
from ..db.models import User
from ..db.registration import RegistrationMode, RegistrationRefused, RegistrationRepository
from ..db.users import normalize_email
from .errors import Forbidden, Unauthorized, ValidationFailed
from .routing import Call, route
from .schemas import (
    LoginIn,
    PasswordIn,
    ProfileIn,
    RegisteredOut,
    RegisterIn,
    RegistrationInfo,
    UserEnvelope,
    UserOut,
)
from .security import COOKIE, check, client_address
from .validation import UNSET, unstructure

TAG = "auth"
log = logging.getLogger(__name__)


def user_out(user: User) -> UserOut:
    return UserOut(id=user.id, email=user.email, name=user.name, created_at=user.created_at,
                   is_admin=user.is_admin)


REGISTERED = RegisteredOut(
    status="registered",
    message="If this email was not registered before, its user exists now: log in.")


def registration_mode(call: Call[Any, Any]) -> RegistrationMode:
    return RegistrationMode(call.ctx.settings.registration)


@route("GET", "/api/v1/auth/registration", summary="Who may register now", tag=TAG,
       response=RegistrationInfo, auth=False)
async def registration_info(call: Call[None, None]) -> RegistrationInfo:
    mode = registration_mode(call)
    needs = mode is RegistrationMode.INVITE and await RegistrationRepository(
        call.ctx.db).has_users()
    return RegistrationInfo(mode=mode.value, invite_required=needs)


@route("POST", "/api/v1/auth/register",
       summary="Create a user (does not log in; the same answer for a taken email)", tag=TAG,
       body=RegisterIn, response=RegisteredOut, status=201, auth=False,
       errors=(403, 422, 429))
async def register(call: Call[RegisterIn, None]) -> RegisteredOut:
    address = client_address()
    check(call.st.throttles.register_address, address)
    call.st.throttles.register_address.fail(address)
    # Hash first, whatever happens next: a taken email costs the same time as a new one.
    hashed = await call.st.passwords.hash(call.body.password)
    invite = None if call.body.invite_code is UNSET else call.body.invite_code
    try:
        user = await RegistrationRepository(call.ctx.db).register(
            email=call.body.email, name=call.body.name, hashed_password=hashed,
            mode=registration_mode(call), invite_code=invite)
    except RegistrationRefused as exc:
        if exc.field is None:
            raise Forbidden(str(exc)) from None
        raise ValidationFailed(str(exc), {exc.field: str(exc)}) from None
    if user is not None and user.is_admin:
        log.info("first user registered and is the administrator: user %d", user.id)
    return REGISTERED


@route("POST", "/api/v1/auth/login", summary="Log in: sets the ct_session cookie", tag=TAG,
       body=LoginIn, response=UserEnvelope, auth=False, errors=(401, 403, 422, 429))
async def login(call: Call[LoginIn, None]) -> Response:
    throttles = call.st.throttles
    address, account = client_address(), normalize_email(call.body.email)
    pair = f"{account}|{address}"
    # Three windows (see SecurityConfig): this email from this address, this email from
    # anywhere, this address for any email (a generous one: a NAT may hide a trading room).
    check(throttles.login_pair, pair)
    check(throttles.login_account, account)
    check(throttles.login_address, address)
    found = await call.ctx.users.credentials(account)
    ok = await call.st.passwords.verify(found[1] if found else None, call.body.password)
    if found is None or not ok:
        throttles.login_pair.fail(pair)
        throttles.login_address.fail(address)
        throttles.login_account.fail(account)
        raise Unauthorized("Wrong email or password.")
    throttles.login_pair.reset(pair)
    throttles.login_account.reset(account)
    user = found[0]
    if user.disabled_at is not None:
        raise Forbidden("This user is disabled; ask the administrator.")
    ttl = timedelta(hours=call.ctx.settings.session_ttl_hours)
    token = await call.st.sessions.create(
        user.id, ttl, user_agent=request.headers.get("User-Agent"), ip=address)
    audit = AuditLog(call.ctx.db)
    if not await audit.known_address(user.id, address):  # the first login from here
        await audit.write(AuditEntry(
            account_id=None, user_id=user.id, actor_id=user.id, via="login", address=address,
            action="login", detail={"user_agent": (request.headers.get("User-Agent") or "")[:200]}))
    response = Response(json.dumps(unstructure(UserEnvelope(user_out(user)))),
                        content_type="application/json")
    response.set_cookie(COOKIE, token, max_age=int(ttl.total_seconds()), httponly=True,
                        samesite="Lax", secure=call.ctx.settings.secure_cookies, path="/")
    return response


@route("POST", "/api/v1/auth/logout", summary="Log out: ends the session", tag=TAG,
       status=204, auth=False, errors=(403,))
async def logout(call: Call[None, None]) -> Response:
    cookie = request.cookies.get(COOKIE)
    if cookie and len(cookie) <= 200:
        await call.st.sessions.revoke(cookie)
    response = Response("", status=204)
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="Lax",
                           secure=call.ctx.settings.secure_cookies)
    return response


@route("GET", "/api/v1/me", summary="The logged-in user", tag=TAG, response=UserEnvelope,
       errors=(401,))
async def me(call: Call[None, None]) -> UserEnvelope:
    return UserEnvelope(user_out(await call.ctx.users.get(call.user_id)))


EMAIL_UNUSABLE = "cannot be used; choose another address"


@route("PATCH", "/api/v1/me", summary="Change name and/or email", tag=TAG, body=ProfileIn,
       response=UserEnvelope, errors=(401, 403, 422, 429))
async def update_me(call: Call[ProfileIn, None]) -> UserEnvelope:
    name = None if call.body.name is UNSET else call.body.name
    email = None if call.body.email is UNSET else call.body.email
    if email is None:
        return UserEnvelope(user_out(await call.ctx.users.update_profile(call.user_id,
                                                                         name=name)))
    # An address another user has is refused without saying so (no 409 "email taken"), and
    # refusals are limited per user, so this route cannot be used to find out who has an account.
    window, key = call.st.throttles.email_change_user, f"user:{call.user_id}"
    check(window, key)
    try:
        user = await call.ctx.users.update_profile(call.user_id, name=name, email=email)
    except Conflict:
        window.fail(key)
        raise ValidationFailed("This email cannot be used.", {"email": EMAIL_UNUSABLE},
                               field_codes={"email": "email_unusable"}) from None
    return UserEnvelope(user_out(user))


@route("POST", "/api/v1/me/password", summary="Change password (needs the current one)",
       tag=TAG, body=PasswordIn, status=204, errors=(401, 403, 422, 429))
async def change_password(call: Call[PasswordIn, None]) -> None:
    throttles = call.st.throttles
    key = f"user:{call.user_id}"
    check(throttles.login_account, key)
    current = await call.ctx.users.password_hash(call.user_id)
    if not await call.st.passwords.verify(current, call.body.current_password):
        throttles.login_account.fail(key)
        raise ValidationFailed("The current password is wrong.",
                               {"current_password": "is wrong"},
                               field_codes={"current_password": "wrong_password"})
    assert call.principal is not None
    # Every other session and every personal access token ends with the old password.
    await call.ctx.users.change_password(
        call.user_id, await call.st.passwords.hash(call.body.new_password),
        keep_session_id=call.principal.session_id)

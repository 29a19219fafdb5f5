"""Personal access tokens: list, create (secret shown once), revoke."""

from __future__ import annotations

from ..db.tokens import ApiToken
from .routing import Call, route
from .schemas import TokenCreated, TokenIn, TokenList, TokenOut

TAG = "tokens"


def token_out(t: ApiToken) -> TokenOut:
    return TokenOut(id=t.id, name=t.name, prefix=t.prefix, created_at=t.created_at,
                    last_used_at=t.last_used_at)


@route("GET", "/api/v1/tokens", summary="Your personal access tokens", tag=TAG,
       response=TokenList, errors=(401,))
async def list_tokens(call: Call[None, None]) -> TokenList:
    return TokenList([token_out(t) for t in await call.st.tokens.list_for_user(call.user_id)])


@route("POST", "/api/v1/tokens", summary="Create a token (the secret is shown once)", tag=TAG,
       body=TokenIn, response=TokenCreated, status=201, errors=(401, 403, 422))
async def create_token(call: Call[TokenIn, None]) -> TokenCreated:
    token, secret = await call.st.tokens.create(call.user_id, call.body.name)
    return TokenCreated(token_out(token), secret)


@route("DELETE", "/api/v1/tokens/<int:token_id>", summary="Revoke a token", tag=TAG,
       status=204, errors=(401, 403, 404))
async def revoke_token(call: Call[None, None], token_id: int) -> None:
    await call.st.tokens.revoke(token_id, call.user_id)

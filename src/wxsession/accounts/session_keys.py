"""An identity's session_key as stored: sealed with the data keys, bound to the identity.

The associated data is the identity's unique key (provider, app, subject), known before its
row exists, so a first login still inserts in one statement, and a sealed key copied to
another identity's row does not open there. The identity row keeps the key id and blob in
two columns; a session waiting for explicit registration keeps them as one string
(:meth:`~wxsession.data_keys.Sealed.to_text`) in place of the plaintext key.
"""

from __future__ import annotations

from dataclasses import replace

from wxsession.core.identity import Identity
from wxsession.data_keys import DataKeys, Sealed, context

PURPOSE = "wxsession.identity.session_key"


def _bound_to(provider: str, app_id: str, subject: str) -> bytes:
    return context(PURPOSE, provider, app_id, subject)


def seal(keys: DataKeys, identity: Identity) -> Sealed | None:
    """``identity``'s session_key sealed under the current key (``None`` if it has none)."""
    if identity.session_key is None:
        return None
    bound = _bound_to(identity.provider, identity.app_id, identity.subject)
    return keys.seal(identity.session_key, bound)


def unseal(
    keys: DataKeys, provider: str, app_id: str, subject: str, sealed: Sealed | None
) -> str | None:
    """The session_key stored for that identity; ``None`` when none is stored or it cannot
    be opened (its key is gone, or the value was altered): the user must log in again."""
    if sealed is None:
        return None
    return keys.open(sealed, _bound_to(provider, app_id, subject))


def for_pending_record(keys: DataKeys, identity: Identity) -> Identity:
    """``identity`` with its session_key replaced by the sealed text, for a pending session
    record (the session store keeps no session_key in the clear either)."""
    sealed = seal(keys, identity)
    return replace(identity, session_key=None if sealed is None else sealed.to_text())


def from_pending_record(keys: DataKeys, identity: Identity) -> Identity:
    """The inverse of :func:`for_pending_record`; a key that does not open (or a plaintext
    key in a record written before sealing) is dropped: open data then asks for a login."""
    text = identity.session_key
    sealed = None if text is None else Sealed.from_text(text)
    key = unseal(keys, identity.provider, identity.app_id, identity.subject, sealed)
    return replace(identity, session_key=key)

"""Cross-site refusal for the cookie carrier (CSRF: ASVS 4.0.3 4.2.2, 13.2.3).

A cookie is an ambient credential: the browser attaches it to a form another site posts to
us, and ``SameSite`` is the only thing in the way (``none`` lifts it, and a sibling subdomain
is "same site" anyway). So a state-changing request whose session came in the cookie is
refused (403 ``CROSS_SITE_REQUEST``) when the browser says it comes from elsewhere:

* ``Origin`` present, and neither the request's own (its ``Host``) nor a trusted origin
  (``WXSESSION_CSRF_TRUSTED_ORIGINS``); ``Origin: null`` is never trusted;
* ``Sec-Fetch-Site`` present and not ``same-origin`` (or ``none``, a user's own action),
  unless ``Origin`` is a trusted one.

Neither header: allowed. Browsers have sent ``Origin`` on every cross-origin POST, PUT,
PATCH and DELETE since about 2020 (and ``Sec-Fetch-Site`` on all requests), so a request
without both comes from a client that is not a browser, and such a client is no CSRF victim:
it holds the cookie itself. Header and body carriers need none of this: nothing sends them
for the user without the page's own script setting them.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

from wxsession.core.errors import CrossSiteRequest

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
"""Methods that change nothing (RFC 9110 9.2.1); our routes keep to that."""

_FROM_HERE = frozenset({"same-origin", "none"})


def refuse_cross_site(
    method: str, headers: Mapping[str, str], trusted_origins: Collection[str]
) -> None:
    """Raise :class:`~wxsession.core.errors.CrossSiteRequest` if a browser says this
    state-changing request comes from another origin. ``headers`` ignore case."""
    if method in SAFE_METHODS:
        return
    origin = headers.get("origin")
    if origin is not None:
        origin = origin.strip().lower()
        if origin in trusted_origins:
            return
        if not _is_own(origin, headers.get("host")):
            raise CrossSiteRequest()
    site = headers.get("sec-fetch-site")
    if site is not None and site.strip().lower() not in _FROM_HERE:
        raise CrossSiteRequest()


def _is_own(origin: str, host: str | None) -> bool:
    """Whether ``origin`` names the host the request was sent to. The scheme is not
    compared: behind a TLS-terminating proxy the service cannot know it, and a page of the
    same host over plain http is no other site's."""
    scheme, sep, netloc = origin.partition("://")
    return (
        bool(sep)
        and scheme in ("http", "https")
        and host is not None
        and (netloc == host.strip().lower())
    )

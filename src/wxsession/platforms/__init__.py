"""Login platforms other than the WeChat mini program, on the wire: request building and
response parsing, no I/O and no framework (the async shells live in :mod:`wxsession.providers`).

One module per platform: :mod:`.wechat_app` (WeChat Open Platform mobile App),
:mod:`.qq` (QQ mini program), :mod:`.douyin` (Douyin mini program); :mod:`.wire` holds what
they share.
"""

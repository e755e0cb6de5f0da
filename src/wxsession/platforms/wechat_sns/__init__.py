"""WeChat's "sns" OAuth, shared by the platforms that use it (the mobile App, the Official
Account's web authorisation, the website QR login): the code exchange at
``sns/oauth2/access_token`` and the profile at ``sns/userinfo`` (:mod:`.wire`), the provider
over them (:mod:`.provider`) and the emulator's answers (:mod:`.emulated`).

Not a platform's home: no spec lives here. Each platform's home configures these parts with
its own texts, scope and settings.
"""

# ruff: noqa: RUF001  (Chinese sentences use full-width punctuation)
"""The Chinese (Simplified) error messages, for clients whose ``Accept-Language`` prefers
Chinese (:mod:`wxsession.core.language`).

Every error code has its message in :data:`BY_CODE`; ``tests/unit/core/test_messages_zh.py``
fails, naming the code and this file, when one is missing. :data:`BY_TEXT` holds the few
English messages that say more than their code's (a subclass's own default, a fixed message
raised with a code): keyed by the English text, which a test finds in the source.
Wording: what a Chinese backend team would write; code, route and API names stay as they are.
"""

from __future__ import annotations

from types import MappingProxyType

BY_CODE = MappingProxyType(
    {
        # The request itself
        "INVALID_REQUEST": "请求格式不正确。",
        "VALIDATION_ERROR": "请求体或参数不合法。",
        "PAYLOAD_TOO_LARGE": "请求体过大。",
        "NOT_FOUND": "请求的资源不存在。",
        "METHOD_NOT_ALLOWED": "该路径不支持此请求方法。",
        "UNSUPPORTED_MEDIA_TYPE": "不支持该请求体类型（Content-Type）。",
        "HTTP_ERROR": "请求未能处理。",
        "RATE_LIMITED": "请求过于频繁，请稍后再试。",
        "CROSS_SITE_REQUEST": "来自其他站点的请求不能使用会话 Cookie 修改任何内容。",
        # Sessions
        "SESSION_MISSING": "请求未携带会话，请先登录。",
        "SESSION_INVALID": "会话无效，请重新登录。",
        "SESSION_EXPIRED": "会话已过期，请重新登录。",
        "SESSION_REPLACED": (
            "该会话已因其他设备上的登录而结束。重新登录前请先询问用户：重新登录会结束另一台设备的会话。"
        ),
        "SESSION_REVOKED": (
            "该会话已被结束（退出所有设备、修改了密码，或由运维人员结束）。请重新登录。"
        ),
        "METRICS_UNAUTHORIZED": "请以 Authorization: Bearer <token> 的形式发送指标令牌。",
        # Accounts and passwords
        "INVALID_CREDENTIALS": "用户名、手机号或密码不正确。",
        "REAUTHENTICATION_REQUIRED": (
            "此项修改需要重新验证账号：请在 reauth 中提供当前密码，"
            "或该账号已绑定的某种登录方式的新登录 code。"
        ),
        "REAUTHENTICATION_FAILED": (
            "重新验证未通过：密码错误，或登录 code 不属于该账号已绑定的登录方式。未做任何修改。"
        ),
        "PASSWORD_TOO_SHORT": "密码太短。",
        "PASSWORD_TOO_LONG": "密码太长。",
        "PASSWORD_TOO_COMMON": "该密码属于最常见的密码之一，请换一个。",
        "CURRENT_PASSWORD_INCORRECT": "当前密码不正确，密码未修改。",
        "PASSWORD_NOT_SET": "该账号没有可修改的密码。",
        "REGISTRATION_REQUIRED": "请先完成注册（POST /v1/auth/register）再使用此接口。",
        "ACCOUNT_DISABLED": "该账号已被停用。",
        "ALREADY_REGISTERED": "当前会话的用户已经注册。",
        "IDENTITY_TAKEN": "该用户名或手机号已被占用。",
        "PROVIDER_ALREADY_BOUND": "该账号已绑定此平台、此应用的登录方式，请先解绑。",
        "LAST_SIGN_IN_METHOD": "这是该账号最后一种登录方式，请先绑定其他方式再移除它。",
        "REGISTRATION_CLOSED": "注册已关闭：只有已有账号可以登录。",
        "ACCOUNT_CONFLICT": "该手机号与该微信身份分属两个不同的账号，未做任何合并。",
        # Verification codes (SMS and mail)
        "PHONE_INVALID": "这不是有效的手机号（E.164 格式，或中国大陆手机号）。",
        "EMAIL_INVALID": "这不是有效的邮箱地址。",
        "CODE_INVALID": "验证码错误、已过期或已被使用，请重新获取。",
        "CHANNEL_NOT_CONFIGURED": "本服务无法向这类地址发送验证码。",
        "CAPTCHA_REQUIRED": (
            "请先完成图形验证码：GET /v1/auth/captcha，然后把它的 id 和答案作为 captcha 发送。"
        ),
        "CAPTCHA_FAILED": "图形验证码答案不正确或已过期，请重新获取。",
        "SENDER_UNAVAILABLE": "消息未能发出，请稍后再试。",
        # Roles and permissions
        "PERMISSION_DENIED": "你没有执行此操作的权限。",
        "UNKNOWN_ROLE": "没有这个名字的角色。",
        "ROLE_INVALID": (
            "角色名或权限格式不正确：角色名只能包含字母、数字和 _ . -，"
            "权限形如 orders:read，每个角色最多 256 个权限。"
        ),
        "ROLE_CONFIGURED": "该角色定义在配置中（WXSESSION_ROLES），请在配置中修改。",
        # The operator console
        "CONSOLE_SIGN_IN_REQUIRED": "请登录控制台。",
        "OPERATOR_FORBIDDEN": "你的操作员角色不允许此操作。",
        "CONSOLE_FORM_REFUSED": "此表单已失效，请刷新页面后重试。",
        # Web (browser) logins
        "LOGIN_STATE_INVALID": "该登录链接不属于当前浏览器或已过期，请重新发起登录。",
        "LOGIN_STATE_USED": "该登录链接已被使用，请重新发起登录。",
        "RETURN_TO_REFUSED": "return_to 必须是本服务的路径，或已配置来源（origin）下的 URL。",
        # Login platforms and their apps
        "UNKNOWN_APP": "本服务在该登录平台上没有此 appid 的应用。",
        "APPID_REQUIRED": "本服务在该平台上配置了多个应用：请随 code 一起发送 appid。",
        "PROVIDER_CODE_INVALID": "登录 code 无效、已过期或已被使用，请在客户端重新登录。",
        "PROVIDER_MISCONFIGURED": "登录平台拒绝了服务端的凭据，需由运维人员修正。",
        "PROVIDER_ERROR": "登录平台返回了意外的错误。",
        "PROVIDER_UNAVAILABLE": "登录平台不可用或繁忙，请稍后再试。",
        # Text messages
        "SMS_MISCONFIGURED": "无法发送短信：短信服务商拒绝了服务端的短信配置，需由运维人员修正。",
        "PHONE_UNREACHABLE": "无法向该手机号发送短信。",
        # WeChat
        "WECHAT_CODE_INVALID": "登录 code 无效或已过期，请重新调用 wx.login()。",
        "WECHAT_CODE_USED": "登录 code 已被使用，请重新调用 wx.login()。",
        "WECHAT_RELOGIN_REQUIRED": (
            "服务端没有该用户可用的 session_key。请调用 wx.login() 重新登录后再试。"
        ),
        "WECHAT_SIGNATURE_INVALID": (
            "signature 与 rawData 及最近一次登录的 session_key 不匹配。"
            "如果之后又调用过 wx.login()，请重新登录后再试。"
        ),
        "WECHAT_DATA_MALFORMED": "encryptedData 或 iv 不是长度正确的 base64。",
        "WECHAT_DATA_INVALID": (
            "encryptedData 不是微信最近为该用户和该小程序、以最近一次登录的 session_key "
            "生成的数据。如果之后调用过 wx.login()，请重新登录；然后重新从微信获取数据再试。"
        ),
        "WECHAT_PHONE_CODE_INVALID": (
            "手机号 code 无效、已过期或已被使用，请让用户重新点击 getPhoneNumber 按钮。"
        ),
        "WECHAT_USER_BLOCKED": "出于用户安全考虑，微信拒绝了此次登录。",
        "WECHAT_SNAPSHOT_USER": (
            "微信正以快照页方式展示此页面：请点击“使用完整服务”允许登录后再试。"
        ),
        "WECHAT_MISCONFIGURED": "服务端的微信凭据被拒绝，需由运维人员修正。",
        "WECHAT_ERROR": "微信返回了意外的错误。",
        "WECHAT_UNAVAILABLE": "微信服务不可用或繁忙，请稍后再试。",
        # The service
        "INTERNAL_ERROR": "服务内部错误。",
        "SESSION_STORE_UNAVAILABLE": "会话存储暂不可用，请稍后再试。",
        "DATABASE_UNAVAILABLE": "用户数据库暂不可用，请稍后再试。",
    }
)
"""The Chinese message of every error code."""

BY_TEXT = MappingProxyType(
    {
        "The session was sent more than once (the same header twice, or different tokens in "
        "two places). Send it once.": (
            "会话被重复发送（同一请求头出现两次，或两处携带了不同的令牌），请只发送一次。"
        ),
        "A dependency is unavailable. Try again shortly.": "依赖的服务暂不可用，请稍后再试。",
        "The body is not JSON this API can read.": "请求体不是本接口能解析的 JSON。",
        "No such session.": "该会话不存在。",
        "Browser logins need the cookie carrier (WXSESSION_CARRIERS).": (
            "浏览器登录需要启用 cookie 载体（WXSESSION_CARRIERS）。"
        ),
        "The platform sent no code: the user did not allow the login.": (
            "平台没有返回 code：用户未允许此次登录。"
        ),
        "This session's mini program is no longer configured here.": (
            "该会话所属的小程序已不在本服务的配置中。"
        ),
    }
)
"""Chinese for English messages more specific than their code's, by the English text."""

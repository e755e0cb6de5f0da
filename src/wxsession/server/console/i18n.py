# ruff: noqa: RUF001 - Chinese text uses full-width punctuation
"""The console's two languages: English and Simplified Chinese.

The language is the ``wxsession-console-lang`` cookie (set by the switch link on every page),
else Chinese if ``Accept-Language`` prefers it (as the API's error messages decide), else
English; errors show in the same language. A missing key shows as itself, so a
forgotten translation is visible, never an error.
"""

from __future__ import annotations

from collections.abc import Callable

from wxsession.core.language import prefers_chinese

LANGUAGES = ("en", "zh")
LANG_COOKIE = "wxsession-console-lang"

_TEXTS: dict[str, tuple[str, str]] = {
    "console": ("wxsession console", "wxsession 控制台"),
    "sign_in": ("Sign in", "登录"),
    "sign_out": ("Sign out", "退出"),
    "name": ("Operator name", "操作员名称"),
    "password": ("Password", "密码"),
    "totp": ("Authenticator code", "动态验证码"),
    "dashboard": ("Dashboard", "概览"),
    "users": ("Users", "用户"),
    "audit": ("Audit log", "审计日志"),
    "operators": ("Operators", "操作员"),
    "user_count": ("Users", "用户数"),
    "active_sessions": ("Active sessions", "活跃会话"),
    "not_counted": ("not counted on Redis", "Redis 存储不统计"),
    "logins_per_minute": ("Logins per minute", "每分钟登录数"),
    "failures_by_code": ("Login failures by code", "按错误码统计的登录失败"),
    "last_hours": ("last {hours} hours", "最近 {hours} 小时"),
    "since_start": ("since this process started", "自本进程启动以来"),
    "no_data": ("No data yet.", "暂无数据。"),
    "search": ("Search", "搜索"),
    "search_hint": (
        "id, username, phone, e-mail, nickname",
        "用户 ID、用户名、手机号、邮箱、昵称",
    ),
    "id": ("ID", "ID"),
    "nickname": ("Nickname", "昵称"),
    "phone": ("Phone", "手机号"),
    "status": ("Status", "状态"),
    "created": ("Created", "创建时间"),
    "disabled": ("disabled", "已停用"),
    "active": ("active", "正常"),
    "previous": ("Previous", "上一页"),
    "next": ("Next", "下一页"),
    "no_users": ("No user matches.", "没有匹配的用户。"),
    "identities": ("Identities", "登录方式"),
    "provider": ("Provider", "平台"),
    "app": ("App", "应用"),
    "login_name": ("Login name", "登录名"),
    "sessions": ("Sessions", "会话"),
    "device": ("Device", "设备"),
    "ip": ("IP", "IP"),
    "last_seen": ("Last seen", "最近活动"),
    "end": ("End", "结束"),
    "end_all": ("End all sessions", "结束全部会话"),
    "no_sessions": ("No live session.", "没有活跃会话。"),
    "roles": ("Roles", "角色"),
    "no_roles": ("No role.", "没有角色。"),
    "permissions": ("Permissions", "权限"),
    "role": ("Role", "角色"),
    "grant": ("Grant", "授予"),
    "revoke": ("Revoke", "撤销"),
    "actions": ("Actions", "操作"),
    "disable": ("Disable", "停用"),
    "enable": ("Enable", "启用"),
    "delete": ("Delete user", "删除用户"),
    "done": ("Done.", "已完成。"),
    "event": ("Event", "事件"),
    "user": ("User", "用户"),
    "actor": ("Actor", "操作者"),
    "time": ("Time", "时间"),
    "since": ("From", "开始"),
    "until": ("To", "结束"),
    "filter": ("Filter", "筛选"),
    "outcome": ("Outcome", "结果"),
    "login_results": ("Logins by result", "按结果统计的登录"),
    "details": ("Details", "详情"),
    "no_events": ("No event.", "没有事件。"),
    "add_operator": ("Add an operator", "添加操作员"),
    "add": ("Add", "添加"),
    "remove": ("Remove", "删除"),
    "reset_totp": ("New TOTP secret", "重置动态验证码"),
    "totp_once": (
        "Scan this into the operator's authenticator app now; it is not shown again:",
        "请立即将其添加到操作员的验证器应用中，之后不会再次显示：",
    ),
    "you": ("you", "你"),
    "error": ("Error", "错误"),
    "back": ("Back", "返回"),
    "language": ("中文", "English"),
    "INVALID_CREDENTIALS": (
        "The name, password or code is not correct.",
        "名称、密码或验证码不正确。",
    ),
    "RATE_LIMITED": ("Too many attempts. Try again later.", "尝试次数过多，请稍后再试。"),
}


def pick(cookie: str | None, accept_language: str | None) -> str:
    """The page's language: the cookie's, else the first of ours the browser lists."""
    if cookie in LANGUAGES:
        return cookie
    return "zh" if prefers_chinese(accept_language) else "en"


def translator(lang: str) -> Callable[..., str]:
    """``t(key, **values)`` in ``lang``."""
    index = LANGUAGES.index(lang)

    def t(key: str, **values: object) -> str:
        text = _TEXTS[key][index] if key in _TEXTS else key
        return text.format(**values) if values else text

    return t


def other(lang: str) -> str:
    """The language the switch link offers."""
    return "zh" if lang == "en" else "en"

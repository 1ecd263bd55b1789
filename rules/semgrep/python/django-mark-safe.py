from django.utils.html import format_html
from django.utils.safestring import mark_safe
from markupsafe import Markup


def render_comment(comment):
    # ruleid: python-mark-safe-nonliteral
    body = mark_safe("<p>" + comment.text + "</p>")
    # ruleid: python-mark-safe-nonliteral
    title = Markup(comment.title)
    # ok: python-mark-safe-nonliteral
    safe = format_html("<p>{}</p>", comment.text)
    # ok: python-mark-safe-nonliteral
    br = mark_safe("<br>")
    return body, title, safe, br

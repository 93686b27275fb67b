"""``{% site_menus as menus %}``: the pages linked from the header and the
footer (``menus.header``, ``menus.footer``), at no query per page shown;
see ``posts.menus``."""

from django import template

from .. import menus

register = template.Library()


@register.simple_tag
def site_menus() -> menus.Menus:
    return menus.site_menus()

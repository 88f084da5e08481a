import codecs
import math

from django.utils.translation import gettext_lazy as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError
from rest_framework.utils import json


def _finite(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise ValueError(f"{text} is too large a number")
    return number


class JSONParser(parsers.JSONParser):
    """DRF's, except that a body nested deeper than Python can read (`[[[[…`) is a 400, not a 500, and so is
    a number too large for a float (`1e999`), which Python would read as infinity and no field expects."""

    def parse(self, stream, media_type=None, parser_context=None):
        encoding = parsers.get_encoding(parser_context or {})
        try:
            return json.load(codecs.getreader(encoding)(stream), parse_float=_finite)
        except RecursionError:
            raise ParseError(_("JSON parse error - the body is nested too deeply.")) from None
        except ValueError as error:
            raise ParseError(_("JSON parse error - %(error)s") % {"error": error}) from None
